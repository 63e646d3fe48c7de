package io.pxereimage.runtime.config;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.pool.PoolSettings;

/**
 * How the pool treats machines that have a {@code bmc:} (pool machines).
 *
 * @param owner this runtime's name in a shared store: it drives the machines it configured; default the host name
 * @param defaultImage the image a lease gets when it names none
 * @param cleanup after a lease: {@code wipe} (default: boot the deploy environment, wipe the disk, power off),
 *                {@code reimage} (write {@code cleanImage}, power off) or {@code off} (only power off)
 * @param readyWhen {@code phone-home} (default: the OS posts its first-boot ready URL) or {@code deployed}
 *                  (ready as soon as the image is written and the machine reboots into it)
 * @param quarantineAfter consecutive failures that take a machine out of the pool (default 3)
 * @param maxLeases machines held by leases at once, 0 = no limit
 * @param maxLeasesPerClient open leases per client, 0 = no limit
 * @param heartbeatSeconds a lease expires this long after its last heartbeat unless it asks otherwise
 * @param leaseTimeoutSeconds a lease fails unless ready within this time unless it asks otherwise
 * @param timeouts seconds per phase: powering, netbooting, deploying, booting-os, releasing, cleaning
 * @param powerAttempts tries per power command before the machine fails (transient errors only)
 * @param retryFailedSeconds how long a failed machine rests before it is cleaned again
 */
public record PoolSection(String owner, String defaultImage, String cleanup, String cleanImage, String readyWhen,
        Integer quarantineAfter, Integer maxLeases, Integer maxLeasesPerClient, Integer heartbeatSeconds,
        Integer leaseTimeoutSeconds, Map<String, Integer> timeouts, Integer powerAttempts,
        Integer retryFailedSeconds) {

    public PoolSection {
        cleanup = cleanup == null ? "wipe" : cleanup.toLowerCase(Locale.ROOT);
        if (!cleanup.equals("wipe") && !cleanup.equals("reimage") && !cleanup.equals("off")) {
            throw new IllegalArgumentException("cleanup: must be wipe, reimage or off, not '" + cleanup + "'");
        }
        if (cleanup.equals("reimage") && cleanImage == null) {
            throw new IllegalArgumentException("cleanImage: required when cleanup is reimage");
        }
        readyWhen = readyWhen == null ? "phone-home" : readyWhen.toLowerCase(Locale.ROOT);
        if (!readyWhen.equals("phone-home") && !readyWhen.equals("deployed")) {
            throw new IllegalArgumentException("readyWhen: must be phone-home or deployed, not '" + readyWhen + "'");
        }
        quarantineAfter = Fields.range("quarantineAfter", quarantineAfter, 3, 1, 100);
        maxLeases = Fields.range("maxLeases", maxLeases, 0, 0, 100_000);
        maxLeasesPerClient = Fields.range("maxLeasesPerClient", maxLeasesPerClient, 0, 0, 100_000);
        heartbeatSeconds = Fields.range("heartbeatSeconds", heartbeatSeconds, 300, 2, 86_400);
        leaseTimeoutSeconds = Fields.range("leaseTimeoutSeconds", leaseTimeoutSeconds, 3600, 10, 604_800);
        powerAttempts = Fields.range("powerAttempts", powerAttempts, 3, 1, 20);
        retryFailedSeconds = Fields.range("retryFailedSeconds", retryFailedSeconds, 60, 0, 86_400);
        timeouts = timeouts == null ? Map.of() : Map.copyOf(timeouts);
        for (Map.Entry<String, Integer> e : timeouts.entrySet()) {
            MachineState s;
            try {
                s = MachineState.fromWire(e.getKey());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("timeouts." + e.getKey() + ": not a phase (powering, netbooting,"
                        + " deploying, booting-os, releasing, cleaning)");
            }
            if (!PoolSettings.DEFAULT_TIMEOUTS.containsKey(s)) {
                throw new IllegalArgumentException("timeouts." + e.getKey() + ": this state has no timeout");
            }
            Fields.range("timeouts." + e.getKey(), e.getValue(), 1, 1, 604_800);
        }
    }

    public static PoolSection defaults() {
        return new PoolSection(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public PoolSettings toSettings(String defaultOwner) {
        Map<MachineState, Integer> t = new EnumMap<>(PoolSettings.DEFAULT_TIMEOUTS);
        timeouts.forEach((k, v) -> t.put(MachineState.fromWire(k), v));
        return new PoolSettings(owner == null ? defaultOwner : owner, defaultImage,
                PoolSettings.Cleanup.valueOf(cleanup.toUpperCase(Locale.ROOT)), cleanImage,
                readyWhen.equals("phone-home"), quarantineAfter, maxLeases, maxLeasesPerClient, heartbeatSeconds,
                leaseTimeoutSeconds, t, powerAttempts, retryFailedSeconds);
    }
}
