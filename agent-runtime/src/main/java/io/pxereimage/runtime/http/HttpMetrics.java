package io.pxereimage.runtime.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The HTTP server's meters. Micrometer's Prometheus naming adds {@code _total} to counters, so
 * {@code pxe.http.requests} is scraped as {@code pxe_http_requests_total}.
 */
final class HttpMetrics {
    private final MeterRegistry registry;
    private final Counter bytes;
    private final Counter refusedConnections;

    HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.bytes = Counter.builder("pxe.http.bytes").description("Response body bytes sent").register(registry);
        this.refusedConnections = Counter.builder("pxe.http.refused.connections")
                .description("Connections closed because maxConnections was reached").register(registry);
    }

    void request(String route, int status) {
        // Micrometer caches meters by id: this is a map look-up after the first call.
        Counter.builder("pxe.http.requests").description("HTTP requests by route and status")
                .tag("route", route).tag("status", Integer.toString(status))
                .register(registry).increment();
    }

    void bytes(long n) {
        if (n > 0) {
            bytes.increment(n);
        }
    }

    void refusedConnection() {
        refusedConnections.increment();
    }
}
