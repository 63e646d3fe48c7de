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
 * {@code pxe_pool_leases{state}} (leases per state in the store), {@code pxe_pool_transitions_total{to}}, {@code pxe_pool_failures_total{cause}},
 * {@code pxe_pool_sites{state="live"|"unreachable"}} and {@code pxe_pool_machines_unreachable} (docs/sites.md).
 * The gauges are refreshed by the controller's tick, so a scrape never touches the database: open lease states every
 * tick, ended ones (released, expired, failed: a table scan) once a minute.
 */
final class PoolMetrics {
    private final Map<MachineState, AtomicLong> machines = new EnumMap<>(MachineState.class);
    private final Map<LeaseState, AtomicLong> leases = new EnumMap<>(LeaseState.class);
    private final Map<MachineState, Counter> transitions = new EnumMap<>(MachineState.class);
    private final AtomicLong sitesLive = new AtomicLong();
    private final AtomicLong sitesUnreachable = new AtomicLong();
    private final AtomicLong machinesUnreachable = new AtomicLong();
    private final MeterRegistry registry;

    PoolMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (MachineState s : MachineState.values()) {
            AtomicLong v = new AtomicLong();
            machines.put(s, v);
            Gauge.builder("pxe.pool.machines", v, AtomicLong::get).tag("state", s.wireName())
                    .description("Pool machines of this runtime per lifecycle state").register(registry);
            transitions.put(s, Counter.builder("pxe.pool.transitions").tag("to", s.wireName())
                    .description("Machine transitions made by this runtime").register(registry));
        }
        Gauge.builder("pxe.pool.sites", sitesLive, AtomicLong::get).tag("state", "live")
                .description("Sites sharing the store, per liveness").register(registry);
        Gauge.builder("pxe.pool.sites", sitesUnreachable, AtomicLong::get).tag("state", "unreachable")
                .description("Sites sharing the store, per liveness").register(registry);
        Gauge.builder("pxe.pool.machines.unreachable", machinesUnreachable, AtomicLong::get)
                .description("Machines of the whole store whose site is unreachable").register(registry);
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

    /** Liveness of every site and the machines at unreachable ones (refreshed by the site heartbeat). */
    void sites(List<SiteStatus> sites, List<MachineStatus> all) {
        long down = sites.stream().filter(SiteStatus::unreachable).count();
        sitesUnreachable.set(down);
        sitesLive.set(sites.size() - down);
        machinesUnreachable.set(all.stream().filter(MachineStatus::unreachable).count());
    }

    void failed(String cause) {
        Counter.builder("pxe.pool.failures").tag("cause", cause)
                .description("Machine failures by cause (timeout, deploy, cleanup, config, power_<kind>)")
                .register(registry).increment();
    }

    void moved(MachineState to) {
        transitions.get(to).increment();
    }
}
