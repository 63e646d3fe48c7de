package io.pxereimage.runtime.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.LeaseResource;
import io.pxereimage.runtime.pool.PoolEvent;

/**
 * One Server-Sent Events connection ({@code GET /api/v1/events}, {@code Accept: text/event-stream}): a chunked
 * response that never ends by itself, fed by a pool subscription, until the client goes away.
 *
 * <p>Threads: the subscription calls {@link #offer} from a runtime thread; every write happens on the channel's
 * event loop, so frames keep their order and Netty's pipeline is touched by one thread only.
 *
 * <p>Back-pressure: a client that stops reading fills the socket, then Netty's outbound buffer; when the channel
 * is no longer writable (or too many frames wait for the event loop) the stream is dropped with a log line
 * rather than buffered without bound. A client that wants to go on reconnects with {@code Last-Event-ID}.
 */
final class SseStream {
    static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(15);
    /** Frames handed to the event loop and not yet written; more means the loop is not keeping up. */
    static final int MAX_QUEUED = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
    private static final AttributeKey<Boolean> STREAMING = AttributeKey.valueOf("pxe.sse.streaming");

    private final Exchange ex;
    private final ChannelHandlerContext ctx;
    private final LeaseResource leases;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicReference<AutoCloseable> subscription = new AtomicReference<>();
    private volatile ScheduledFuture<?> keepAlive;
    /** The last event written; event loop only (read for log lines). */
    private volatile long lastSeq;

    private SseStream(Exchange ex, LeaseResource leases, long after) {
        this.ex = ex;
        this.ctx = ex.ctx;
        this.leases = leases;
        this.lastSeq = after;
    }

    /** Whether this connection carries an event stream (it accepts no further requests). */
    static boolean streaming(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(STREAMING).get());
    }

    /** Sends the response head, then events after {@code after} matching the filters. On the event loop. */
    static void start(Exchange ex, LeaseResource leases, long after, String machine, String lease,
            Duration keepAliveEvery) {
        new SseStream(ex, leases, after).begin(after, machine, lease, keepAliveEvery);
    }

    private void begin(long after, String machine, String lease, Duration every) {
        Channel ch = ctx.channel();
        ch.attr(STREAMING).set(true);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Accel-Buffering", "no"); // a proxy in front must not hold frames back
        HttpUtil.setTransferEncodingChunked(head, true);
        ex.metrics.request(ex.route, 200);
        ctx.writeAndFlush(head);
        LOG.info("HTTP SSE stream to {} opened (after event {})", Routes.remote(ctx), after);
        ch.closeFuture().addListener(f -> end("closed"));
        long ms = every.toMillis();
        keepAlive = ctx.executor().scheduleAtFixedRate(() -> write(": keepalive\n\n"), ms, ms, TimeUnit.MILLISECONDS);
        if (ended.get()) {
            keepAlive.cancel(false);
        }
        leases.subscribe(after, machine, lease, this::offer).whenComplete((sub, failure) -> {
            if (failure != null) {
                onLoop(() -> failed(failure));
                return;
            }
            subscription.set(sub);
            if (ended.get()) {
                closeSubscription();
            }
        });
    }

    /** From the subscription's thread: hand the frame to the event loop, unless the client lags too far. */
    private void offer(PoolEvent e) {
        if (ended.get()) {
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED) {
            onLoop(() -> drop(MAX_QUEUED + " frames wait for the network thread"));
            return;
        }
        String frame = LeaseResource.sseFrame(e);
        onLoop(() -> {
            queued.decrementAndGet();
            if (write(frame)) {
                lastSeq = e.seq();
            }
        });
    }

    /** On the event loop. Returns whether the frame was written. */
    private boolean write(String frame) {
        if (ended.get()) {
            return false;
        }
        if (!ctx.channel().isWritable()) {
            drop("the client is not reading (send buffer full)");
            return false;
        }
        ByteBuf buf = Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8);
        ex.metrics.bytes(buf.readableBytes());
        ctx.writeAndFlush(new DefaultHttpContent(buf));
        return true;
    }

    private void drop(String why) {
        if (!ended.get()) {
            LOG.warn("HTTP SSE stream to {} dropped after event {}: {}; it may reconnect with Last-Event-ID",
                    Routes.remote(ctx), lastSeq, why);
            end("dropped");
            ctx.close();
        }
    }

    /** The subscription could not start: one {@code error} event with the reason, then the connection closes. */
    private void failed(Throwable failure) {
        ApiResponse r = LeaseResource.failure(failure);
        if (r.status() >= 500 && r.status() != 503) {
            LOG.warn("HTTP SSE stream to {}: subscribing failed", Routes.remote(ctx), failure);
        }
        write("event: error\ndata: " + new String(r.json(), StandardCharsets.UTF_8) + "\n\n");
        end("subscription failed");
        ctx.close();
    }

    private void end(String why) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> k = keepAlive;
        if (k != null) {
            k.cancel(false);
        }
        closeSubscription();
        if (!why.equals("dropped")) { // drop() said it already, louder
            LOG.info("HTTP SSE stream to {} {} after event {}", Routes.remote(ctx), why, lastSeq);
        }
    }

    private void closeSubscription() {
        AutoCloseable s = subscription.getAndSet(null);
        if (s != null) {
            leases.unsubscribe(s);
        }
    }

    private void onLoop(Runnable r) {
        try {
            ctx.executor().execute(r);
        } catch (RejectedExecutionException e) {
            end("server stopping"); // the event loop is shutting down: the channel goes with it
        }
    }
}
