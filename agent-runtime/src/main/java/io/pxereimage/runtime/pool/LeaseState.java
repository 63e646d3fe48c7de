package io.pxereimage.runtime.pool;

import java.util.Locale;

/**
 * A lease's life: {@code pending} (waiting for a free machine), {@code provisioning} (a machine is being imaged),
 * {@code ready}, then one of the ends: {@code released} (by its client), {@code expired} (no heartbeat),
 * {@code failed} (no machine in time, or the machine failed).
 */
public enum LeaseState {
    PENDING, PROVISIONING, READY, RELEASED, EXPIRED, FAILED;

    public boolean ended() {
        return this == RELEASED || this == EXPIRED || this == FAILED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LeaseState fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return wireName();
    }
}
