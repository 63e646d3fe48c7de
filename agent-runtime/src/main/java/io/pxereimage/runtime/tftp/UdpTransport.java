package io.pxereimage.runtime.tftp;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;

/**
 * Chooses epoll when {@code Epoll.isAvailable()}, else NIO. The epoll classes are looked up reflectively because
 * {@code netty-transport-classes-epoll} reaches this module only with runtime scope (through the native jar); a
 * compile-scope dependency in the pom would let this become plain code.
 *
 * <p>{@code originalDestination} ({@code IP_RECVORIGDSTADDR}, epoll only, else null) makes a wildcard-bound socket
 * report the address each datagram was sent to, so replies can leave from that same address.
 */
record UdpTransport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends DatagramChannel> channelClass,
                    ChannelOption<Boolean> originalDestination) {

    static UdpTransport select() {
        try {
            Class<?> epoll = Class.forName("io.netty.channel.epoll.Epoll");
            if ((Boolean) epoll.getMethod("isAvailable").invoke(null)) {
                IoHandlerFactory factory = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                        .getMethod("newFactory").invoke(null);
                Class<? extends DatagramChannel> channel = Class.forName("io.netty.channel.epoll.EpollDatagramChannel")
                        .asSubclass(DatagramChannel.class);
                @SuppressWarnings("unchecked")
                ChannelOption<Boolean> origDst = (ChannelOption<Boolean>) Class.forName(
                        "io.netty.channel.epoll.EpollChannelOption").getField("IP_RECVORIGDSTADDR").get(null);
                return new UdpTransport("epoll", factory, channel, origDst);
            }
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            // Fall through to NIO: epoll is an optimisation, never a requirement.
        }
        return nio();
    }

    static UdpTransport nio() {
        return new UdpTransport("nio", NioIoHandler.newFactory(), NioDatagramChannel.class, null);
    }
}
