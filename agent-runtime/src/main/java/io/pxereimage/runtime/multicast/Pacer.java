package io.pxereimage.runtime.multicast;

import java.util.concurrent.locks.LockSupport;

/**
 * Spaces sends so the average rate stays under a cap (bytes per second; 0 = no cap). It sleeps only when the
 * sender is ahead of the schedule by more than {@link #SLACK_NANOS}: a short burst of packets, then a sleep. Never
 * spins: on a machine with few cores a spinning sender takes the CPU its own receivers need.
 */
final class Pacer {
    /** How far ahead of the schedule a burst may run before the sender sleeps (12 packets at 1 Gbit/s). */
    static final long SLACK_NANOS = 150_000;
    private volatile long rate;
    private long next = System.nanoTime();

    Pacer(long bytesPerSecond) {
        this.rate = bytesPerSecond;
    }

    /** Rate control changes the rate between packets; 0 = no cap. */
    void rate(long bytesPerSecond) {
        this.rate = bytesPerSecond;
    }

    long rate() {
        return rate;
    }

    /**
     * Waits until {@code bytes} more may go. {@code beforeSleep} runs before a sleep (queued packets should leave
     * rather than wait with us).
     */
    void pace(int bytes, Runnable beforeSleep) {
        long r = rate;
        if (r <= 0) {
            return;
        }
        long now = System.nanoTime();
        // no credit for idle time beyond 1 ms: a pause must not turn into a burst
        next = Math.max(next, now - 1_000_000L) + bytes * 1_000_000_000L / r;
        if (next - now > SLACK_NANOS) {
            beforeSleep.run();
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }
}
