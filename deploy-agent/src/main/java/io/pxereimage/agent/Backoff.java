package io.pxereimage.agent;

import java.time.Duration;

/** Retry delay that starts at {@code base}, doubles per failure up to {@code max}, and resets after a success. */
final class Backoff {
    private final long baseMillis;
    private final long maxMillis;
    private long next;

    Backoff(Duration base, Duration max) {
        this.baseMillis = Math.max(1, base.toMillis());
        this.maxMillis = Math.max(baseMillis, max.toMillis());
        this.next = baseMillis;
    }

    /** The delay to wait now; the following one is twice as long (capped). */
    long nextMillis() {
        long d = next;
        next = Math.min(maxMillis, next * 2);
        return d;
    }

    void reset() {
        next = baseMillis;
    }

    void sleep() throws InterruptedException {
        Thread.sleep(nextMillis());
    }
}
