package io.pxereimage.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

import io.pxereimage.protocol.AgentEvent;

/** Turns "bytes so far" into a progress event per interval: bytes, total, a smoothed rate and the ETA. */
final class Progress {
    private final long total;
    private final Consumer<AgentEvent> sink;
    private final long intervalNanos;
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;
    private long lastBytes;
    private double rate = -1;

    Progress(long total, Duration interval, Consumer<AgentEvent> sink) {
        this.total = total;
        this.sink = sink;
        this.intervalNanos = interval.toNanos();
    }

    void update(long bytes) {
        long now = System.nanoTime();
        if (now - lastNanos >= intervalNanos) {
            emit(bytes, now);
        }
    }

    /** The last event, whatever the time since the previous one; returns the average rate in bytes/s. */
    long finish(long bytes) {
        long now = System.nanoTime();
        emit(bytes, now);
        double secs = Math.max(1e-3, (now - startNanos) / 1e9);
        return (long) (bytes / secs);
    }

    private void emit(long bytes, long now) {
        double secs = Math.max(1e-3, (now - lastNanos) / 1e9);
        double current = (bytes - lastBytes) / secs;
        rate = rate < 0 ? current : 0.5 * rate + 0.5 * current; // smooth a bursty network a little
        lastNanos = now;
        lastBytes = bytes;
        long r = (long) rate;
        long eta = bytes >= total ? 0 : r > 0 ? (total - bytes + r - 1) / r : -1; // -1: unknown (stalled)
        sink.accept(AgentEvent.progress(Instant.now(), bytes, total, r, eta));
    }
}
