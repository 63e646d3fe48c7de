package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.testing.LogCapture;

/** Boot scripts, health and metrics over real loopback sockets. */
class HttpServerTest extends HttpServerFixture {
    @Test
    void scriptForEveryMacSpelling() throws Exception {
        registry.put(MachinePlan.boot(MAC, "rack1-07",
                new BootSpec("vmlinuz", List.of("initrd.img"), "console=ttyS0")));
        int port = start((String) null, new SimpleMeterRegistry());
        try (LogCapture log = new LogCapture()) {
            for (String m : new String[] {"52:54:00:12:34:56", "52-54-00-12-34-56", "525400123456",
                    "52:54:00:12:34:56".toUpperCase(), "52%3A54%3A00%3A12%3A34%3A56"}) {
                HttpResponse<String> r = get("/boot/" + m + ".ipxe");
                assertThat(r.statusCode()).as(m).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(
                        v -> assertThat(v).startsWith("text/plain"));
                assertThat(r.body()).startsWith("#!ipxe\n")
                        .contains("kernel http://127.0.0.1:" + port + "/files/vmlinuz initrd=initrd0 console=ttyS0")
                        .contains("initrd --name initrd0 http://127.0.0.1:" + port + "/files/initrd.img");
            }
            assertThat(log.awaitContaining("HTTP script 52:54:00:12:34:56 -> rack1-07"))
                    .contains("HTTP script 52:54:00:12:34:56 -> rack1-07");
        }
    }

    @Test
    void baseUrlFollowsTheHostHeader() throws Exception {
        registry.put(MachinePlan.boot(MAC, null, new BootSpec("vmlinuz", List.of(), "")));
        int port = start((String) null, new SimpleMeterRegistry());
        String raw = RawHttp.exchange(port, "GET /boot/52:54:00:12:34:56.ipxe HTTP/1.1\r\n"
                + "Host: boot.example:8080\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200").contains("kernel http://boot.example:8080/files/vmlinuz");
        raw = RawHttp.exchange(port, "GET /boot/52:54:00:12:34:56.ipxe HTTP/1.0\r\n\r\n");
        // A 1.1 server answers 1.0 requests with its own version (RFC 9110 2.5), closing afterwards.
        assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").contains("kernel http://127.0.0.1:" + port + "/files/vmlinuz");
    }

    @Test
    void localPlanExitsAndUnknownMacIs404UnlessDefault() throws Exception {
        registry.put(new MachinePlan(MAC, "disk", MachinePlan.Action.LOCAL, null));
        start((String) null, new SimpleMeterRegistry());
        assertThat(get("/boot/52:54:00:12:34:56.ipxe").body()).contains("exit");
        HttpResponse<String> unknown = get("/boot/02:00:00:00:00:01.ipxe");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no boot plan for 02:00:00:00:00:01");
        assertThat(get("/boot/not-a-mac.ipxe").statusCode()).isEqualTo(404);
        assertThat(get("/boot/52:54:00:12:34:56").statusCode()).isEqualTo(404);

        registry.setDefaultSpec(new BootSpec("http://images/vmlinuz", List.of(), "quiet"));
        HttpResponse<String> fallback = get("/boot/02:00:00:00:00:01.ipxe");
        assertThat(fallback.statusCode()).isEqualTo(200);
        assertThat(fallback.body()).contains("kernel http://images/vmlinuz quiet");
    }

    @Test
    void headOnAScriptHasLengthButNoBody() throws Exception {
        registry.put(MachinePlan.boot(MAC, null, new BootSpec("vmlinuz", List.of(), "")));
        int port = start((String) null, new SimpleMeterRegistry());
        String full = get("/boot/525400123456.ipxe").body();
        String raw = RawHttp.exchange(port, "HEAD /boot/525400123456.ipxe HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + full.length())
                .endsWith("\r\n\r\n");
    }

    @Test
    void healthAndPrometheusMetrics() throws Exception {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.put(MachinePlan.boot(MAC, null, new BootSpec("vmlinuz", List.of(), "")));
        start((String) null, prometheus);
        HttpResponse<String> health = get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        get("/boot/525400123456.ipxe");
        get("/boot/525400123457.ipxe");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("pxe_http_requests_total{route=\"boot\",status=\"200\"} 1.0")
                .contains("pxe_http_requests_total{route=\"boot\",status=\"404\"} 1.0")
                .contains("pxe_http_bytes_total");
        assertThat(send("POST", "/healthz", null).statusCode()).isEqualTo(405);
    }

    @Test
    void metricsWithoutPrometheusIs404() throws Exception {
        start((String) null, new SimpleMeterRegistry());
        assertThat(get("/metrics").statusCode()).isEqualTo(404);
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    }
}
