package io.pxereimage.runtime.timeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pxereimage.runtime.net.MacAddress;

/**
 * A machine's network boots, phase by phase, as the runtime sees them: the DHCP offer that starts a boot, the iPXE
 * script, the deploy agent's registration, the image written, the installed OS reporting ready. Fed by the servers
 * that see each step (DHCP responder, HTTP script route, agent API, deploy flow, pool); read by {@code /metrics}:
 * <ul>
 * <li>{@code pxe_boots_total{arch}}: boots started (a firmware or iPXE DHCP offer to a machine with no boot in
 * progress, or whose last boot already got its script: it has rebooted);</li>
 * <li>{@code pxe_boot_phases_total{phase}}: boots that reached each phase;</li>
 * <li>{@code pxe_boot_phase_seconds{phase}}: time from the boot's first offer to the phase (histogram).</li>
 * </ul>
 * Thread-safe; a handful of map operations per call, bounded to the most recent {@value #MAX_MACHINES} machines.
 */
public final class BootTimeline {
    /** Phases in the order a deploy boot reaches them. */
    public enum Phase {
        /** DHCP offer with a boot file or script URL: the boot starts here. */
        OFFERED,
        /** iPXE fetched the machine's script ({@code /boot/<mac>.ipxe}). */
        SCRIPT,
        /** The deploy agent registered with its boot token. */
        AGENT,
        /** The deploy job wrote and verified the image. */
        IMAGED,
        /** The installed OS posted its ready URL. */
        READY;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One boot: when it started, the firmware that started it and when each phase was reached. */
    public record Boot(MacAddress mac, String arch, Instant started, Map<Phase, Instant> reached) {
        public Optional<Duration> at(Phase phase) {
            return Optional.ofNullable(reached.get(phase)).map(t -> Duration.between(started, t));
        }
    }

    static final int MAX_MACHINES = 10_000;
    /** A boot older than this is over, whatever it reached: the next offer starts a new one. */
    static final Duration STALE = Duration.ofHours(2);

    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<Phase, Timer> phaseTimers = new EnumMap<>(Phase.class);
    private final Map<Phase, Counter> phaseCounts = new EnumMap<>(Phase.class);
    /** Latest boot per machine, least recently started first (evicted past {@link #MAX_MACHINES}). */
    private final LinkedHashMap<MacAddress, Boot> boots = new LinkedHashMap<>();

    public BootTimeline(MeterRegistry meters, Clock clock) {
        this.meters = meters;
        this.clock = clock;
        for (Phase p : Phase.values()) {
            phaseCounts.put(p, Counter.builder("pxe_boot_phases_total").tag("phase", p.wireName())
                    .description("network boots that reached each phase").register(meters));
            if (p != Phase.OFFERED) {
                phaseTimers.put(p, Timer.builder("pxe_boot_phase_seconds").tag("phase", p.wireName())
                        .description("time from a boot's first DHCP offer to the phase")
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100))
                        .maximumExpectedValue(Duration.ofHours(1)).register(meters));
            }
        }
    }

    /**
     * A boot client got an offer. It starts a new boot unless the machine's current boot has not yet fetched its
     * script (the firmware's offer is followed by iPXE's own DHCP within the same boot).
     *
     * @param arch the client's firmware as a metric label, e.g. {@code bios}, {@code efi_x64}
     */
    public synchronized void offered(MacAddress mac, String arch) {
        Instant now = clock.instant();
        Boot current = boots.get(mac);
        if (current != null && !current.reached().containsKey(Phase.SCRIPT)
                && Duration.between(current.started(), now).compareTo(STALE) < 0) {
            return;
        }
        Map<Phase, Instant> reached = new EnumMap<>(Phase.class);
        reached.put(Phase.OFFERED, now);
        boots.remove(mac); // re-insert: the map's order is by boot start
        boots.put(mac, new Boot(mac, arch, now, reached));
        if (boots.size() > MAX_MACHINES) {
            boots.remove(boots.keySet().iterator().next());
        }
        Counter.builder("pxe_boots_total").tag("arch", arch).description("network boots started, by firmware")
                .register(meters).increment();
        phaseCounts.get(Phase.OFFERED).increment();
    }

    /** The machine's current boot reached {@code phase}; counted once per boot, ignored without a boot. */
    public synchronized void reached(MacAddress mac, Phase phase) {
        Boot b = boots.get(mac);
        if (b == null || phase == Phase.OFFERED || b.reached().containsKey(phase)) {
            return;
        }
        Instant now = clock.instant();
        b.reached().put(phase, now);
        phaseCounts.get(phase).increment();
        phaseTimers.get(phase).record(Duration.between(b.started(), now));
    }

    /** The machine's latest boot, a copy. */
    public synchronized Optional<Boot> latest(MacAddress mac) {
        Boot b = boots.get(mac);
        return b == null ? Optional.empty()
                : Optional.of(new Boot(b.mac(), b.arch(), b.started(), Map.copyOf(b.reached())));
    }
}
