package io.pxereimage.runtime.pxe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The server's meters: {@code pxe_dhcp_packets_total{type,outcome}}, {@code pxe_dhcp_dropped_total{reason}},
 * {@code pxe_dhcp_duplicates_total{type}} and the {@code pxe_dhcp_leases_active} gauge (DHCP mode).
 */
final class PxeMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    PxeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void packet(String type, String outcome) {
        counter("pxe_dhcp_packets_total", "type", type, "outcome", outcome).increment();
    }

    void dropped(String reason) {
        counter("pxe_dhcp_dropped_total", "reason", reason).increment();
    }

    void duplicate(String type) {
        counter("pxe_dhcp_duplicates_total", "type", type).increment();
    }

    void leasesGauge(Supplier<Number> active) {
        Gauge.builder("pxe_dhcp_leases_active", active).description("bound, unexpired DHCP leases")
                .register(registry);
    }

    private Counter counter(String name, String... tags) {
        return counters.computeIfAbsent(name + String.join(",", tags),
                k -> Counter.builder(name).tags(tags).register(registry));
    }
}
