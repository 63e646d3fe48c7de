package io.pxereimage.runtime.election;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The election's meters: {@code pxe_election_role{role}} (1 for the current role, 0 for the others),
 * {@code pxe_election_busy}, {@code pxe_election_messages_total{outcome}} (every datagram received on the election
 * port: accepted, own, other_subnet, stale, duplicate_id, malformed, unauthenticated),
 * {@code pxe_election_sent_total{result}} and {@code pxe_election_role_changes_total{to}}.
 */
final class ElectionMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    ElectionMetrics(MeterRegistry registry, Supplier<Role> role, Supplier<Boolean> busy) {
        this.registry = registry;
        for (Role r : Role.values()) {
            Gauge.builder("pxe_election_role", () -> role.get() == r ? 1 : 0).tag("role", r.wire())
                    .description("1 for this runtime's current election role").register(registry);
        }
        Gauge.builder("pxe_election_busy", () -> busy.get() ? 1 : 0)
                .description("1 while a boot or transfer is in progress (no hand-over now)").register(registry);
        for (String o : new String[] {"accepted", "malformed", "unauthenticated"}) {
            message(o, 0); // present from the start, so a scrape can tell "none" from "not running"
        }
    }

    void message(String outcome) {
        message(outcome, 1);
    }

    private void message(String outcome, int n) {
        counter("pxe_election_messages_total", "outcome", outcome).increment(n);
    }

    void sent(boolean ok) {
        counter("pxe_election_sent_total", "result", ok ? "ok" : "failed").increment();
    }

    void roleChange(Role to) {
        counter("pxe_election_role_changes_total", "to", to.wire()).increment();
    }

    private Counter counter(String name, String... tags) {
        return counters.computeIfAbsent(name + String.join(",", tags),
                k -> Counter.builder(name).tags(tags).register(registry));
    }
}
