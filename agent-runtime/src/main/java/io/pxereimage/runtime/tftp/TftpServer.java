package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.net.NettyTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440) on Netty UDP, epoll when available.
 *
 * <pre>{@code
 * TftpServer tftp = new TftpServer(TftpConfig.builder(Path.of("/srv/tftp")).port(69).build(), registry);
 * int port = tftp.start();
 * ...
 * tftp.close();
 * }</pre>
 *
 * Each transfer and each error reply to a request comes from its own ephemeral socket bound to the configured
 * address (RFC 1350 section 4). With the wildcard bind address and epoll, that socket binds to the address the
 * request was sent to ({@code IP_RECVORIGDSTADDR}); with NIO the kernel picks the source address by route.
 */
public final class TftpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TftpServer.class);
    /** Large enough for any request we accept; longer datagrams are truncated and then fail to decode. */
    private static final int REQUEST_BUFFER = 4096;
    /** Transfer sockets only receive ACK and ERROR. */
    private static final int TRANSFER_BUFFER = 1024;
    private static final int IO_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private final TftpConfig config;
    private final TftpMetrics metrics;
    private final NettyTransport transport = NettyTransport.best();
    private EventLoopGroup group;
    private Channel listener;
    private TftpRequestHandler handler;
    private volatile Activity activity;

    public TftpServer(TftpConfig config, MeterRegistry registry) {
        this.config = config;
        this.metrics = new TftpMetrics(registry);
    }

    /** Binds the well-known socket and returns its port (useful with port 0). */
    public synchronized int start() throws IOException {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        group = new MultiThreadIoEventLoopGroup(IO_THREADS, transport.ioHandlerFactory());
        handler = new TftpRequestHandler(config, metrics, new Starter());
        handler.activity = activity;
        try {
            Bootstrap b = bootstrap(REQUEST_BUFFER).handler(handler).option(ChannelOption.SO_RCVBUF, 1 << 20);
            if (config.bindAddress().isAnyLocalAddress() && transport.originalDestination() != null) {
                b.option(transport.originalDestination(), true);
            }
            listener = b.bind(config.bindAddress(), config.port()).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding TFTP", e);
        } catch (Exception e) {
            close();
            throw new IOException("cannot bind TFTP on " + config.bindAddress().getHostAddress() + ":"
                    + config.port() + ": " + e.getMessage(), e);
        }
        int port = port();
        LOG.info("TFTP serving {} on {}:{} ({}, blksize <= {}, windowsize <= {}, <= {} transfers)",
                config.source(), config.bindAddress().getHostAddress(), port, transport.name(),
                config.maxBlockSize(), config.maxWindowSize(), config.maxTransfers());
        return port;
    }

    /** Records finished transfers and refusals in {@code a} (before {@link #start()}). */
    public TftpServer withActivity(Activity a) {
        this.activity = a;
        if (handler != null) {
            handler.activity = a;
        }
        return this;
    }

    /** The bound port, or -1 before {@link #start()}. */
    public int port() {
        return listener == null ? -1 : ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Transfers currently running. */
    public int activeTransfers() {
        return handler == null ? 0 : handler.active().size();
    }

    /** "epoll" or "nio". */
    public String transportName() {
        return transport.name();
    }

    public TftpConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (handler != null) {
            for (TftpTransfer t : new ArrayList<>(handler.active().values())) {
                t.finishLater(TransferOutcome.ERROR);
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
        listener = null;
    }

    private Bootstrap bootstrap(int receiveBuffer) {
        return bootstrap(receiveBuffer, group);
    }

    private Bootstrap bootstrap(int receiveBuffer, EventLoopGroup loops) {
        return new Bootstrap().group(loops)
                .channel(transport.datagramChannel())
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(receiveBuffer));
    }

    /**
     * The address a per-request socket binds to: the configured one, or, when that is the wildcard, the address
     * the client sent its request to (clients such as EDK2 expect replies from the server address they used).
     */
    private InetAddress replyAddress(InetSocketAddress local) {
        InetAddress configured = config.bindAddress();
        if (configured.isAnyLocalAddress() && local != null && !local.getAddress().isAnyLocalAddress()
                && !local.getAddress().isMulticastAddress() && !isLimitedBroadcast(local.getAddress())) {
            return local.getAddress();
        }
        return configured;
    }

    private static boolean isLimitedBroadcast(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF;
    }

    /** Binds the per-request sockets. Runs on the listener's event loop; binding completes asynchronously. */
    private final class Starter implements TftpRequestHandler.TransferStarter {
        @Override
        public void start(InetSocketAddress client, InetSocketAddress local, TftpTransfer transfer) {
            EventLoop loop = group.next();
            transfer.assign(loop);
            bootstrap(TRANSFER_BUFFER, loop).handler(transfer).bind(replyAddress(local), 0).addListener(f -> {
                if (!f.isSuccess()) {
                    LOG.warn("TFTP cannot bind a transfer socket for {}: {}", client, f.cause().toString());
                    transfer.finishLater(TransferOutcome.ERROR);
                }
            });
        }

        @Override
        public void sendError(InetSocketAddress client, InetSocketAddress local, TftpPacket.Error error) {
            bootstrap(TRANSFER_BUFFER).handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(replyAddress(local), 0).addListener(f -> {
                        if (!f.isSuccess()) {
                            LOG.warn("TFTP cannot bind a socket to answer {}: {}", client, f.cause().toString());
                            return;
                        }
                        Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                        ch.writeAndFlush(new DatagramPacket(TftpCodec.encode(error, ch.alloc()), client))
                                .addListener(ChannelFutureListener.CLOSE);
                    });
        }
    }
}
