package io.pxereimage.runtime.http;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Epoll when Netty's native transport loads, else NIO. The epoll classes are looked up by name because the
 * build puts {@code netty-transport-native-epoll} on the runtime classpath only; NIO is always there.
 *
 * @param name {@code epoll} or {@code nio}, for logs
 */
record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel) {

    static Transport best() {
        try {
            Class<?> epoll = Class.forName("io.netty.channel.epoll.Epoll");
            if ((Boolean) epoll.getMethod("isAvailable").invoke(null)) {
                IoHandlerFactory factory = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                        .getMethod("newFactory").invoke(null);
                Class<? extends ServerChannel> channel = Class.forName("io.netty.channel.epoll.EpollServerSocketChannel")
                        .asSubclass(ServerChannel.class);
                return new Transport("epoll", factory, channel);
            }
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            // not on Linux, or the native library is missing: NIO works everywhere
        }
        return nio();
    }

    static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }
}
