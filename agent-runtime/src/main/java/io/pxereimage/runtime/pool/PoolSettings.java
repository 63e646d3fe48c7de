package io.pxereimage.runtime.pool;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The pool's policy (config {@code pool:}, see {@code PoolSection} for each field).
 *
 * @param timeouts seconds per phase; a machine longer than this in a phase fails
 */
public record PoolSettings(String owner, String defaultImage, Cleanup cleanup, String cleanImage,
        boolean readyOnPhoneHome, int quarantineAfter, int maxLeases, int maxLeasesPerClient, int heartbeatSeconds,
        int leaseTimeoutSeconds, Map<MachineState, Integer> timeouts, int powerAttempts, int retryFailedSeconds) {

    public enum Cleanup { WIPE, REIMAGE, OFF }

    /** Generous defaults: a deploy over a slow link, a server's long POST. */
    public static final Map<MachineState, Integer> DEFAULT_TIMEOUTS = Map.of(
            MachineState.POWERING, 300,
            MachineState.NETBOOTING, 600,
            MachineState.DEPLOYING, 3600,
            MachineState.BOOTING_OS, 900,
            MachineState.RELEASING, 300,
            MachineState.CLEANING, 3600);

    public PoolSettings {
        timeouts = new EnumMap<>(timeouts);
    }

    /** The time a machine may spend in {@code s}, or null when the state has no limit. */
    public Duration timeout(MachineState s) {
        Integer t = timeouts.get(s);
        return t == null ? null : Duration.ofSeconds(t);
    }

    public PoolStore.Caps caps() {
        return new PoolStore.Caps(maxLeases, maxLeasesPerClient);
    }
}
