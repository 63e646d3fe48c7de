package io.pxereimage.runtime.net;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The Netty transport every server of the runtime uses: Linux's native epoll when its library loads, else NIO
 * (always there). One place, so DHCP, TFTP and HTTP never disagree.
 *
 * @param name {@code epoll} or {@code nio}, for logs
 * @param originalDestination {@code IP_RECVORIGDSTADDR} (epoll only, else null): a wildcard-bound UDP socket then
 *        reports the address each datagram was sent to, so a reply can leave from that address
 */
public record NettyTransport(String name, IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannel, Class<? extends DatagramChannel> datagramChannel,
        ChannelOption<Boolean> originalDestination) {

    public static NettyTransport best() {
        try {
            if (Epoll.isAvailable()) {
                return new NettyTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                        EpollDatagramChannel.class, EpollChannelOption.IP_RECVORIGDSTADDR);
            }
        } catch (LinkageError e) {
            // not Linux, or the native library is missing: NIO works everywhere
        }
        return nio();
    }

    public static NettyTransport nio() {
        return new NettyTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                NioDatagramChannel.class, null);
    }
}
