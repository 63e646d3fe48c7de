package io.pxereimage.runtime.pxe;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpCodecException;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.LeaseJournal;
import io.pxereimage.runtime.dhcp.LeasePool;
import io.pxereimage.runtime.dhcp.LeaseStore;
import io.pxereimage.runtime.dhcp.RelayScope;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.net.NettyTransport;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * The DHCP/proxyDHCP/PXE boot server over UDP (Netty, epoll when available, else NIO). Binds the server port (67)
 * and the PXE boot server port (4011), each on {@code bindAddress} (0.0.0.0: broadcasts only
 * reach wildcard sockets) and, when that is the wildcard, also on {@code serverAddress}. Replies go out through
 * the socket bound to {@code serverAddress}: Linux routes a 255.255.255.255 destination out of the interface that
 * owns the source address, whereas a wildcard socket in a namespace without a default route gets "network
 * unreachable". Replies to 4011 requests leave from port 4011 (iPXE drops others).
 *
 * <p>One event loop thread; bad packets are dropped and counted, and no exception ends the loop.
 */
public final class PxeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PxeServer.class);

    private final PxeConfig config;
    private final PxeResponder responder;
    private final LeasePool pool;
    /** DHCP mode: one pool per subnet behind a relay (docs/relay.md). */
    private final Map<RelayScope, LeasePool> relayPools = new LinkedHashMap<>();
    private final PxeMetrics metrics;
    private volatile BootTimeline boots;
    private final RecentRequests recent = new RecentRequests(256);
    private final List<Channel> channels = new ArrayList<>();
    /** Per local port, the channel replies leave from. */
    private final Map<Integer, Channel> senders = new HashMap<>();
    private EventLoopGroup group;
    private volatile BooleanSupplier answering = () -> true;
    private volatile Activity activity;
    private volatile long lastReplyNanos = System.nanoTime() - Long.MAX_VALUE / 2;

    public PxeServer(PxeConfig config, BootPlanner planner, MachineRegistry machines, MeterRegistry meters) {
        this.config = config;
        this.metrics = new PxeMetrics(meters);
        Clock clock = Clock.systemUTC();
        if (config.mode() == PxeConfig.Mode.DHCP) {
            LeaseStore store = config.dataDir() == null ? LeaseStore.NONE : new LeaseJournal(config.dataDir(), clock);
            this.pool = new LeasePool(new LeasePool.Config(config.rangeStart(), config.rangeEnd(),
                    config.serverAddress(), config.reservations(), config.leaseTime(), null, null), clock, store);
            for (RelayScope scope : config.relayScopes()) {
                LeaseStore scoped = config.dataDir() == null ? LeaseStore.NONE
                        : new LeaseJournal(config.dataDir(), scope.journalName(), clock);
                relayPools.put(scope, new LeasePool(new LeasePool.Config(scope.rangeStart(), scope.rangeEnd(),
                        null, config.reservations(), config.leaseTime(), null, null), clock, scoped));
            }
            metrics.leasesGauge(() -> pool.activeLeases()
                    + relayPools.values().stream().mapToInt(LeasePool::activeLeases).sum());
        } else {
            this.pool = null;
        }
        this.responder = new PxeResponder(config, planner, machines, pool, relayPools, clock);
    }

    /** Binds the sockets; throws if a port is taken or not permitted. */
    public synchronized void start() throws InterruptedException {
        NettyTransport transport = NettyTransport.best();
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        Bootstrap b = new Bootstrap().group(group).channel(transport.datagramChannel())
                .option(ChannelOption.SO_BROADCAST, true).option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .handler(new Handler());
        // 4011 in both modes: proxy mode needs it for UEFI; in DHCP mode no reply points clients there, but a
        // firmware that tries boot server discovery anyway gets the same answer as in proxy mode.
        List<Integer> ports = List.of(config.serverPort(), config.proxyPort());
        try {
            for (int port : ports) {
                Channel main = b.bind(new InetSocketAddress(config.bindAddress(), port)).sync().channel();
                channels.add(main);
                senders.put(port, main);
                if (Ip4.isZero(config.bindAddress())) {
                    bindSender(b, port);
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("PXE server ({} mode, {}) listening on {} ports {}, advertising {}{}", config.mode(),
                transport.name(), config.bindAddress().getHostAddress(), ports,
                config.serverAddress().getHostAddress(), relayPools.isEmpty() ? ""
                        : ", relayed subnets " + relayPools.keySet().stream().map(RelayScope::cidr).toList());
    }

    private void bindSender(Bootstrap b, int port) throws InterruptedException {
        try {
            Channel ch = b.bind(new InetSocketAddress(config.serverAddress(), port)).sync().channel();
            channels.add(ch);
            senders.put(port, ch);
        } catch (RuntimeException e) {
            // serverAddress is not local (NAT, a test): broadcasts then need a default route.
            LOG.warn("cannot bind {}:{} for sending ({}); replies leave from the wildcard socket",
                    config.serverAddress().getHostAddress(), port, e.toString());
        }
    }

    /**
     * Answers clients' broadcasts only while {@code gate} says so: with an election, only the subnet's responder
     * answers. Requests meant for this server alone are always answered (see {@link #addressedToUs}).
     */
    public PxeServer answerWhen(BooleanSupplier gate) {
        this.answering = gate;
        return this;
    }

    /** Offers to boot clients start boots in {@code boots} (the {@code offered} phase); set before {@link #start}. */
    public PxeServer trackBoots(BootTimeline boots) {
        this.boots = boots;
        return this;
    }

    /** Records answers (and PXE DISCOVERs left unanswered) in {@code a}, and which MAC holds which address. */
    public PxeServer withActivity(Activity a) {
        this.activity = a;
        return this;
    }

    /** Whether a reply went out within the last {@code millis}: a client is then likely in the middle of booting. */
    public boolean repliedWithin(long millis) {
        return System.nanoTime() - lastReplyNanos < millis * 1_000_000L;
    }

    /**
     * A request for this server in particular, answered even when the election says another runtime answers: a
     * port-4011 request (unicast to the boot server the client chose) or a REQUEST naming us as server (it took
     * our offer, made just before we handed over). Dropping those would break a boot in progress.
     */
    private boolean addressedToUs(DhcpMessage req, int localPort) {
        return localPort == config.proxyPort()
                || req.serverId().map(config.serverAddress()::equals).orElse(false);
    }

    /** The lease pool in DHCP mode, null in proxy mode. */
    public LeasePool leasePool() {
        return pool;
    }

    public PxeConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        for (Channel c : channels) {
            c.close().awaitUninterruptibly();
        }
        channels.clear();
        senders.clear();
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
            group = null;
        }
        if (pool != null) {
            pool.close();
        }
        relayPools.values().forEach(LeasePool::close);
    }

    @Sharable
    private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            int localPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
            InetSocketAddress sender = packet.sender();
            ByteBuf content = packet.content();
            byte[] bytes = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), bytes);
            DhcpMessage req;
            try {
                req = DhcpCodec.decode(bytes);
            } catch (DhcpCodecException e) {
                metrics.dropped("malformed");
                LOG.debug("dropped {} bytes from {} on port {}: {}", bytes.length, sender, localPort, e.getMessage());
                return;
            }
            String type = req.messageType().orElseThrow().toString();
            if (recent.seen(req, localPort)) {
                metrics.duplicate(type); // a retransmission: answered again, the first reply may have been lost
            }
            String who = req.mac().map(Object::toString).orElse("?");
            if (!answering.getAsBoolean() && !addressedToUs(req, localPort)) {
                // The one gate of the reply path: another runtime is the subnet's responder.
                metrics.packet(type, "not_responder");
                LOG.debug("{} {} on port {}: not the responder, not answering", type, who, localPort);
                return;
            }
            PxeResponder.Response r = responder.handle(req, localPort, sender);
            metrics.packet(type, r.outcome());
            if (r.reply() != null) {
                lastReplyNanos = System.nanoTime();
                send(ctx, req, r, localPort, who); // before the log line: the client waits, the log does not
            }
            String what = localPort == config.proxyPort() ? "PXE" : config.mode() == PxeConfig.Mode.PROXY
                    ? "proxyDHCP" : "DHCP";
            ClientFacts facts = ClientFacts.of(req);
            BootTimeline b = boots;
            if (b != null && r.reply() != null && "offer".equals(r.outcome()) && facts.pxe) {
                b.offered(req.mac().orElseThrow(), facts.loader);
            }
            LOG.info("{} {} {} arch={} ipxe={}{} -> {}", what, type, who, facts.arch, facts.ipxe, facts.extra,
                    r.detail());
            record(req, r, type, what, facts);
        }

        /**
         * One activity line per answer, and per PXE DISCOVER left unanswered (why a machine does not boot);
         * other silences (non-PXE clients, REQUESTs for the real DHCP server) only teach the address.
         */
        private void record(DhcpMessage req, PxeResponder.Response r, String type, String what, ClientFacts facts) {
            Activity a = activity;
            if (a == null || req.mac().isEmpty()) {
                return;
            }
            MacAddress mac = req.mac().get();
            if (r.reply() != null && !Ip4.isZero(r.reply().yiaddr())) {
                a.address(r.reply().yiaddr(), mac);
            } else if (!Ip4.isZero(req.ciaddr())) {
                a.address(req.ciaddr(), mac);
            } else {
                req.requestedIp().ifPresent(ip -> a.address(ip, mac));
            }
            boolean pxeDiscover = type.equals("DISCOVER") && facts.pxe;
            if (r.reply() != null || !r.outcome().equals("ignored") || pxeDiscover) {
                a.record(Activity.Kind.DHCP, mac, type + " -> " + what + " " + r.detail());
            }
        }

        private void send(ChannelHandlerContext ctx, DhcpMessage req, PxeResponder.Response r, int localPort,
                String who) {
            byte[] out;
            try {
                out = DhcpCodec.encodeReply(r.reply(), req);
            } catch (DhcpCodecException e) {
                metrics.dropped("encode_failed");
                LOG.warn("cannot encode the reply to {}: {}", who, e.getMessage());
                return;
            }
            Channel via = senders.getOrDefault(r.fromProxyPort() ? config.proxyPort() : localPort, ctx.channel());
            via.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(out), r.destination()))
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            metrics.dropped("send_failed");
                            LOG.warn("reply to {} via {} failed: {}", r.destination(), who, f.cause().toString());
                        }
                    });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Never let one packet end the loop: log, count, keep serving.
            metrics.dropped("error");
            LOG.warn("error handling a DHCP packet (server keeps running)", cause);
        }
    }

    /** The log fields of a request, computed defensively (the log must not throw). */
    /** {@code pxe}: a network-boot client; {@code loader}: its firmware as a metric label ({@code bios}, ...). */
    private record ClientFacts(String arch, boolean ipxe, String extra, boolean pxe, String loader) {
        static ClientFacts of(DhcpMessage req) {
            try {
                ClientInfo c = ClientInfo.of(req);
                String extra = c.httpClient() ? " http=true" : "";
                return new ClientFacts(c.arch().toString(), c.ipxe(), extra, c.bootClient(),
                        c.arch().loader().name().toLowerCase(Locale.ROOT));
            } catch (RuntimeException e) {
                return new ClientFacts("?", false, "", false, "unknown");
            }
        }
    }

    /** A small ring of recent (mac, xid, type, port) keys to count retransmissions. Event loop thread only. */
    private static final class RecentRequests {
        private final long[] keys;
        private int next;

        RecentRequests(int size) {
            keys = new long[size];
        }

        boolean seen(DhcpMessage m, int port) {
            long mac = m.mac().map(x -> x.bits()).orElse(0L);
            long key = (mac * 31 + m.xid()) * 31 + m.messageType().map(t -> t.code()).orElse(0) * 65536L + port;
            for (long k : keys) {
                if (k == key) {
                    return true;
                }
            }
            keys[next] = key;
            next = (next + 1) % keys.length;
            return false;
        }
    }
}
