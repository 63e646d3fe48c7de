package io.pxereimage.runtime.pool;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Prometheus view of the pool: {@code pxe_pool_machines{state}} (this runtime's machines per state),
 * {@code pxe_pool_leases{state}} (leases per state in the store) and {@code pxe_pool_transitions_total{to}}.
 * The gauges are refreshed by the controller's tick, so a scrape never touches the database: open lease states every
 * tick, ended ones (released, expired, failed: a table scan) once a minute.
 */
final class PoolMetrics {
    private final Map<MachineState, AtomicLong> machines = new EnumMap<>(MachineState.class);
    private final Map<LeaseState, AtomicLong> leases = new EnumMap<>(LeaseState.class);
    private final Map<MachineState, Counter> transitions = new EnumMap<>(MachineState.class);

    PoolMetrics(MeterRegistry registry) {
        for (MachineState s : MachineState.values()) {
            AtomicLong v = new AtomicLong();
            machines.put(s, v);
            Gauge.builder("pxe.pool.machines", v, AtomicLong::get).tag("state", s.wireName())
                    .description("Pool machines of this runtime per lifecycle state").register(registry);
            transitions.put(s, Counter.builder("pxe.pool.transitions").tag("to", s.wireName())
                    .description("Machine transitions made by this runtime").register(registry));
        }
        for (LeaseState s : LeaseState.values()) {
            AtomicLong v = new AtomicLong();
            leases.put(s, v);
            Gauge.builder("pxe.pool.leases", v, AtomicLong::get).tag("state", s.wireName())
                    .description("Leases in the store per state").register(registry);
        }
    }

    void machines(List<MachineStatus> now) {
        Map<MachineState, Long> counts = new EnumMap<>(MachineState.class);
        now.forEach(m -> counts.merge(m.state(), 1L, Long::sum));
        machines.forEach((s, v) -> v.set(counts.getOrDefault(s, 0L)));
    }

    /** Sets the open states' gauges, and the ended states' too when {@code withEnded} (they are counted less often). */
    void leases(Map<LeaseState, Long> counts, boolean withEnded) {
        leases.forEach((s, v) -> {
            if (withEnded || !s.ended()) {
                v.set(counts.getOrDefault(s, 0L));
            }
        });
    }

    void moved(MachineState to) {
        transitions.get(to).increment();
    }
}
