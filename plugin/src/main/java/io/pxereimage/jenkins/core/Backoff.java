package io.pxereimage.jenkins.core;

import java.time.Duration;
import java.time.Instant;

/**
 * A template's circuit breaker: after {@code threshold} consecutive failures it is open (no provisioning) for
 * {@code base}, doubling with every further failure up to {@code max}. When the time is up it is half-open: one
 * lease may try; a success closes it, a failure opens it again for twice as long. Not thread-safe: the
 * {@link Provisioner} uses it under its lock.
 */
final class Backoff {
    private final int threshold;
    private final Duration base;
    private final Duration max;
    private int failures;
    private String reason;
    private Instant until;

    Backoff(int threshold, Duration base, Duration max) {
        this.threshold = threshold;
        this.base = base;
        this.max = max;
    }

    void failed(String why, Instant now) {
        failures++;
        reason = why;
        if (failures >= threshold) {
            int doublings = Math.min(failures - threshold, 30);
            Duration d = base.multipliedBy(1L << doublings);
            until = now.plus(d.compareTo(max) > 0 ? max : d);
        }
    }

    void succeeded() {
        failures = 0;
        reason = null;
        until = null;
    }

    /** Open: no provisioning until {@link #until}. */
    boolean open(Instant now) {
        return until != null && now.isBefore(until);
    }

    /** Past a backoff, before the next success: only one trial at a time. */
    boolean halfOpen(Instant now) {
        return failures >= threshold && !open(now);
    }

    int failures() {
        return failures;
    }

    String reason() {
        return reason;
    }

    Instant until() {
        return until;
    }
}
