package io.pxereimage.runtime.multicast;

import java.util.concurrent.locks.LockSupport;

/** Spaces sends so the average rate stays under a cap (bytes per second; 0 = no cap). */
final class Pacer {
    private final long rate;
    private long next = System.nanoTime();

    Pacer(long bytesPerSecond) {
        this.rate = bytesPerSecond;
    }

    /**
     * Waits until {@code bytes} more may go. {@code beforeSleep} runs when the wait is long enough to sleep (queued
     * packets should leave rather than wait with us).
     */
    void pace(int bytes, Runnable beforeSleep) {
        if (rate <= 0) {
            return;
        }
        long now = System.nanoTime();
        // no credit for idle time beyond 1 ms: a pause must not turn into a burst
        next = Math.max(next, now - 1_000_000L) + bytes * 1_000_000_000L / rate;
        long wait = next - now;
        if (wait > 50_000) {
            beforeSleep.run();
            LockSupport.parkNanos(next - System.nanoTime());
            return;
        }
        while (System.nanoTime() < next) {
            Thread.onSpinWait();
        }
    }
}
