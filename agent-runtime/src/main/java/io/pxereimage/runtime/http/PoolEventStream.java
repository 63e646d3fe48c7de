package io.pxereimage.runtime.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.LeaseResource;
import io.pxereimage.runtime.pool.PoolEvent;

/**
 * {@code GET /api/v1/events} with {@code Accept: text/event-stream}: the pool's events after a sequence number,
 * then live, over an {@link SseStream}, until the client goes away. A client that lags is dropped and reconnects
 * with {@code Last-Event-ID}, losing nothing.
 */
final class PoolEventStream {
    private static final Logger LOG = LoggerFactory.getLogger(PoolEventStream.class);

    private PoolEventStream() {
    }

    /** Sends the response head, then events after {@code after} matching the filters. On the event loop. */
    static void start(Exchange ex, LeaseResource leases, long after, String machine, String lease,
            Duration keepAliveEvery) {
        SseStream s = SseStream.open(ex, "SSE stream", "event " + after, keepAliveEvery)
                .resumeHint("; it may reconnect with Last-Event-ID");
        follow(s, leases, after, machine, lease, e -> s.offer(LeaseResource.sseFrame(e), "event " + e.seq()))
                .exceptionally(failure -> {
                    ApiResponse r = LeaseResource.failure(failure);
                    if (r.status() >= 500 && r.status() != 503) {
                        LOG.warn("HTTP SSE stream to {}: subscribing failed", Routes.remote(ex.ctx), failure);
                    }
                    s.fail("event: error\ndata: " + new String(r.json(), StandardCharsets.UTF_8) + "\n\n",
                            "subscription failed");
                    return null;
                });
    }

    /**
     * Subscribes {@code sink} to the pool's events for as long as {@code s} lives: the subscription ends with the
     * stream, also when the stream ended before the (asynchronous) subscription was made.
     *
     * @return the subscription, completed exceptionally when it could not be made
     */
    static CompletableFuture<AutoCloseable> follow(SseStream s, LeaseResource leases, long after, String machine,
            String lease, Consumer<PoolEvent> sink) {
        AtomicReference<AutoCloseable> subscription = new AtomicReference<>();
        s.onEnd(() -> {
            AutoCloseable sub = subscription.getAndSet(null);
            if (sub != null) {
                leases.unsubscribe(sub);
            }
        });
        return leases.subscribe(after, machine, lease, sink).whenComplete((sub, failure) -> {
            if (failure != null) {
                return;
            }
            subscription.set(sub);
            if (s.ended()) {
                AutoCloseable late = subscription.getAndSet(null);
                if (late != null) {
                    leases.unsubscribe(late);
                }
            }
        });
    }
}
