package io.pxereimage.runtime.pool;

import java.time.Instant;

/**
 * A stored transition: machine {@code machine} went from {@code from} to {@code to} (either may be absent for
 * lease-only events), because of {@code cause} ({@code lease}, {@code power}, {@code agent}, {@code timeout},
 * {@code heartbeat}, {@code restart}, {@code admin}, ...).
 */
public record PoolEvent(long seq, Instant time, String machine, String lease, String from, String to, String cause,
        String message) {
}
