package io.pxereimage.runtime.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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

/**
 * One Server-Sent Events connection: a chunked response that never ends by itself, fed with frames from any
 * thread until the client goes away. Shared by the pool's event stream ({@link PoolEventStream},
 * {@code GET /api/v1/events}) and the dashboard's live stream ({@link LiveStream}, {@code GET /api/v1/live}).
 *
 * <p>Threads: {@link #offer} may be called from any runtime thread; every write happens on the channel's event
 * loop, so frames keep their order and Netty's pipeline is touched by one thread only.
 *
 * <p>Back-pressure: a client that stops reading fills the socket, then Netty's outbound buffer; when the channel
 * is no longer writable (or too many frames wait for the event loop) the stream is dropped with a log line
 * rather than buffered without bound. A client that wants to go on reconnects.
 */
final class SseStream {
    static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(15);
    /** Frames handed to the event loop and not yet written; more means the loop is not keeping up. */
    static final int MAX_QUEUED = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
    private static final AttributeKey<Boolean> STREAMING = AttributeKey.valueOf("pxe.sse.streaming");

    private final Exchange ex;
    private final ChannelHandlerContext ctx;
    private final String name;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger queued = new AtomicInteger();
    private final List<Runnable> onEnd = new CopyOnWriteArrayList<>();
    private volatile ScheduledFuture<?> keepAlive;
    /** What the log lines say the client has: the last event written ("event 344"); event loop only. */
    private volatile String position;
    private volatile String resumeHint = "";

    private SseStream(Exchange ex, String name, String position) {
        this.ex = ex;
        this.ctx = ex.ctx;
        this.name = name;
        this.position = position;
    }

    /** Whether this connection carries an event stream (it accepts no further requests). */
    static boolean streaming(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(STREAMING).get());
    }

    /**
     * Sends the response head and starts the keepalive comments. On the event loop.
     *
     * @param name for log lines ({@code SSE stream}, {@code live stream})
     * @param position what the client has at the start, for log lines ({@code event 12})
     */
    static SseStream open(Exchange ex, String name, String position, Duration keepAliveEvery) {
        SseStream s = create(ex, name, position);
        s.begin(keepAliveEvery);
        return s;
    }

    /**
     * A stream whose head is not sent yet: subscribe its sources, then {@link #begin} in the same event-loop task,
     * so that nothing that happens after the client sees the head is missed (frames offered meanwhile are written
     * after the head: they go through the event loop's queue).
     */
    static SseStream create(Exchange ex, String name, String position) {
        return new SseStream(ex, name, position);
    }

    /** Sends the response head and starts the keepalive comments. On the event loop. */
    void begin(Duration every) {
        Channel ch = ctx.channel();
        ch.attr(STREAMING).set(true);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Accel-Buffering", "no"); // a proxy in front must not hold frames back
        HttpUtil.setTransferEncodingChunked(head, true);
        ex.metrics.request(ex.route, 200);
        ctx.writeAndFlush(head);
        LOG.info("HTTP {} to {} opened ({})", name, Routes.remote(ctx), position);
        ch.closeFuture().addListener(f -> end("closed"));
        long ms = every.toMillis();
        keepAlive = ctx.executor().scheduleAtFixedRate(() -> write(": keepalive\n\n"), ms, ms, TimeUnit.MILLISECONDS);
        if (ended.get()) {
            keepAlive.cancel(false);
        }
    }

    /** What the drop log line tells the client to do ({@code ; it may reconnect with Last-Event-ID}). */
    SseStream resumeHint(String hint) {
        this.resumeHint = hint;
        return this;
    }

    /** Runs once when the stream ends (client gone, dropped, server stopping): unsubscribe here. */
    void onEnd(Runnable r) {
        onEnd.add(r);
        if (ended.get() && onEnd.remove(r)) {
            r.run();
        }
    }

    boolean ended() {
        return ended.get();
    }

    /** From any thread: hands {@code frame} to the event loop, unless the client lags too far. */
    void offer(String frame) {
        offer(frame, null);
    }

    /** As {@link #offer(String)}; {@code position} becomes what the log lines say once the frame is written. */
    void offer(String frame, String position) {
        if (ended.get()) {
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED) {
            onLoop(() -> drop(MAX_QUEUED + " frames wait for the network thread"));
            return;
        }
        onLoop(() -> {
            queued.decrementAndGet();
            if (write(frame) && position != null) {
                this.position = position;
            }
        });
    }

    /** Runs {@code r} on the stream's event loop (periodic work such as polling a source). */
    ScheduledFuture<?> every(Duration period, Runnable r) {
        long ms = period.toMillis();
        ScheduledFuture<?> f = ctx.executor().scheduleAtFixedRate(r, ms, ms, TimeUnit.MILLISECONDS);
        onEnd(() -> f.cancel(false));
        return f;
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
            LOG.warn("HTTP {} to {} dropped after {}: {}{}", name, Routes.remote(ctx), position, why, resumeHint);
            end("dropped");
            ctx.close();
        }
    }

    /** One last frame (an {@code error} event), then the connection closes. From any thread. */
    void fail(String frame, String why) {
        onLoop(() -> {
            write(frame);
            end(why);
            ctx.close();
        });
    }

    private void end(String why) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> k = keepAlive;
        if (k != null) {
            k.cancel(false);
        }
        for (Runnable r : onEnd) {
            if (onEnd.remove(r)) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("HTTP {} to {}: cleanup failed", name, Routes.remote(ctx), e);
                }
            }
        }
        if (!why.equals("dropped")) { // drop() said it already, louder
            LOG.info("HTTP {} to {} {} after {}", name, Routes.remote(ctx), why, position);
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
