package io.pxereimage.runtime.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.pxereimage.runtime.api.AgentResource;
import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.api.DeployResource;
import io.pxereimage.runtime.api.LeaseResource;
import io.pxereimage.runtime.api.MachinesResource;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.audit.AuditLog;
import io.pxereimage.runtime.net.NettyTransport;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.concurrent.Shutdown;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.election.ElectionStatus;
import io.pxereimage.runtime.pool.PoolApi;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * The runtime's HTTP server: iPXE scripts ({@code /boot/<mac>.ipxe}), boot files ({@code /files/},
 * {@code /loaders/}), the REST API ({@code /api/v1}), {@code /healthz} and {@code /metrics}. HTTP/1.1 with
 * keep-alive, on epoll when available, else NIO. See {@code docs/http-api.md}.
 *
 * <pre>{@code
 * try (HttpServer http = new HttpServer(config, registry, meters)) {
 *     http.publish("vmlinuz", Path.of("/boot/vmlinuz-6.1"));
 *     int port = http.start();
 *     ...
 * }
 * }</pre>
 */
public final class HttpServer implements AutoCloseable {
    /** Request line limit; iPXE URLs are short, and long ones are probes. */
    public static final int DEFAULT_MAX_INITIAL_LINE = 4096;
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
    /** Largest API request body; anything bigger gets 413. */
    public static final int DEFAULT_MAX_BODY = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final HttpConfig config;
    private final HttpMetrics metrics;
    private final StaticFiles files;
    private final Routes routes;
    private final BootScripts scripts;
    private final ApiRoute api;
    /** Runs pool calls (store transactions) off the event loops; null without a pool. */
    private final ExecutorService poolWorker;
    private final AtomicInteger open = new AtomicInteger();
    private final AuditLog audit;
    private final Activity activity;
    private EventLoopGroup group;
    private Channel serverChannel;

    public HttpServer(HttpConfig config, MachineRegistry registry, MeterRegistry meters) {
        this(config, registry, meters, null);
    }

    /** A server without a pool; see {@link #HttpServer(HttpConfig, MachineRegistry, MeterRegistry, DeployServices, PoolApi)}. */
    public HttpServer(HttpConfig config, MachineRegistry registry, MeterRegistry meters, DeployServices deploy) {
        this(config, registry, meters, deploy, null);
    }

    /**
     * @param deploy the deploy side (agent endpoints, jobs, images, events, DEPLOY scripts), or {@code null} for a
     *               boot-only server
     * @param pool the machine pool (leases, pool machines, pool events, the ready call), or {@code null}: those
     *             paths then answer 404 "this runtime has no pool"
     */
    public HttpServer(HttpConfig config, MachineRegistry registry, MeterRegistry meters, DeployServices deploy,
            PoolApi pool) {
        this.config = config;
        this.metrics = new HttpMetrics(meters);
        this.files = new StaticFiles(config.filesRoot(), config.loaderDir());
        this.poolWorker = pool == null ? null : Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "pxe-pool-api");
            t.setDaemon(true);
            return t;
        });
        this.api = new ApiRoute(new MachinesResource(registry), ApiAuth.of(config.allTokens()),
                deploy == null ? null : new AgentResource(deploy), deploy == null ? null : new DeployResource(deploy),
                pool == null ? null : new LeaseResource(pool, poolWorker));
        this.scripts = new BootScripts(registry, deploy == null ? null : deploy.deployBoot());
        scripts.boots = deploy == null ? null : deploy.boots();
        this.audit = new AuditLog(config.auditLog(), Clock.systemUTC());
        api.audit(audit);
        this.activity = new Activity(Clock.systemUTC())
                .naming(mac -> registry.planFor(mac).map(p -> p.name()).orElse(null));
        api.live(deploy, activity);
        this.routes = new Routes(scripts, files, api, deploy == null ? null : deploy.images(), prometheus(meters),
                metrics);
        routes.activity(activity);
    }

    /** Served iPXE scripts count as the {@code script} phase of boots in {@code boots} (without a deploy setup). */
    public HttpServer trackBoots(BootTimeline boots) {
        scripts.boots = boots;
        return this;
    }

    /**
     * Serves {@code file} at {@code /files/<name>}, ahead of the files root. The file may live anywhere; only
     * this exact name reaches it. May be called before or after {@link #start()}.
     *
     * @param name a relative name such as {@code vmlinuz} or {@code debian/initrd.gz} (no {@code .}/{@code ..})
     * @param file a regular, readable file
     * @throws IllegalArgumentException for a bad name or a file that is missing or unreadable now
     */
    public void publish(String name, Path file) {
        files.publish(name, file);
        LOG.info("HTTP publishing /files/{} -> {}", name, file.toAbsolutePath());
    }

    /** Stops serving a published name; returns whether it was published. */
    public boolean unpublish(String name) {
        return files.unpublish(name);
    }

    /** Published names and their files, sorted by name. */
    public Map<String, Path> published() {
        return files.published();
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound port (the ephemeral one when the config says 0)
     * @throws IOException if the address cannot be bound (in use, not local, no permission)
     * @throws IllegalStateException if already started
     */
    public synchronized int start() throws IOException {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        NettyTransport transport = NettyTransport.best();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new Initializer())
                .bind(address)
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            Throwable cause = bound.cause();
            throw cause instanceof IOException io ? io
                    : new IOException("cannot listen on " + address + ": " + cause, cause);
        }
        serverChannel = bound.channel();
        LOG.info("HTTP server listening on {} ({}, files {}, loaders {}, API {})", localAddress(),
                transport.name(), config.filesRoot() == null ? "none" : config.filesRoot(), config.loaderDir(),
                config.allTokens().isEmpty() ? "read-only (no token)"
                        : config.allTokens().size() + " tokens: " + config.allTokens().stream()
                                .map(t -> t.name() + " (" + t.role().wireName() + ")").toList());
        return port();
    }

    public int port() {
        InetSocketAddress a = localAddress();
        return a == null ? -1 : a.getPort();
    }

    /** The bound address, or {@code null} before {@link #start()}. */
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    /**
     * Recent DHCP, TFTP and HTTP activity ({@code GET /api/v1/activity}, the live stream). The HTTP routes record
     * into it; hand it to the TFTP server and the DHCP responder ({@code withActivity}) so they do too.
     */
    public Activity activity() {
        return activity;
    }

    public HttpConfig config() {
        return config;
    }

    /** Serves {@code GET /api/v1/election} from {@code status} (a runtime with an election section). */
    public void electionStatus(Supplier<ElectionStatus> status) {
        api.election(status);
    }

    /** How often idle event streams get a keepalive comment (default 15 s; tests shorten it). */
    void sseKeepAlive(Duration every) {
        api.sseKeepAlive(every);
    }

    /** Stops accepting, closes open connections (transfers in flight are cut) and frees the threads. */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
        if (poolWorker != null) {
            // After the event loops: closing event streams unsubscribes on this worker.
            Shutdown.finishRunning(poolWorker, "pool API worker"); // a request in flight commits before the store closes
        }
        audit.close();
    }

    private final class Initializer extends ChannelInitializer<SocketChannel> {
        @Override
        protected void initChannel(SocketChannel ch) {
            if (open.incrementAndGet() > config.maxConnections()) {
                open.decrementAndGet();
                metrics.refusedConnection();
                LOG.debug("HTTP refusing connection from {}: {} open", ch.remoteAddress(), config.maxConnections());
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            long idle = config.idleTimeout().toMillis();
            ch.pipeline()
                    // observeOutput: a slow client still draining a big file is not idle.
                    .addLast(new IdleStateHandler(true, 0, 0, idle, TimeUnit.MILLISECONDS))
                    .addLast(new HttpServerCodec(new HttpDecoderConfig()
                            .setMaxInitialLineLength(DEFAULT_MAX_INITIAL_LINE)
                            .setMaxHeaderSize(DEFAULT_MAX_HEADER_SIZE)))
                    .addLast(new HttpServerKeepAliveHandler())
                    .addLast(new RequestGate(metrics))
                    .addLast(new HttpObjectAggregator(DEFAULT_MAX_BODY))
                    .addLast(new ChunkedWriteHandler())
                    .addLast(routes);
        }
    }

    /** The Prometheus registry to scrape for {@code /metrics}: the given one, or one inside a composite. */
    private static PrometheusMeterRegistry prometheus(MeterRegistry meters) {
        if (meters instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (meters instanceof CompositeMeterRegistry c) {
            for (MeterRegistry r : c.getRegistries()) {
                PrometheusMeterRegistry p = prometheus(r);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }
}
