package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;

/** The server over real loopback sockets, with the JDK's HTTP client and raw sockets. */
class HttpServerTest {
    static final String TOKEN = "tok-7f3a9c2e51d84b6a";
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @TempDir
    Path tmp;
    final MachineRegistry registry = new MachineRegistry();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    HttpServer server;
    String base;

    int start(String token, MeterRegistry meters) throws Exception {
        return start(HttpConfig.defaults().withApiToken(token), meters);
    }

    int start(HttpConfig template, MeterRegistry meters) throws Exception {
        HttpConfig config = template.withBind(InetAddress.getLoopbackAddress(), 0).withFilesRoot(tmp)
                .withLoaderDir(tmp);
        server = new HttpServer(config, registry, meters);
        int port = server.start();
        base = "http://127.0.0.1:" + port;
        return port;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

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

    @Test
    void apiCrudWithToken() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        String auth = "Bearer " + TOKEN;
        String body = "{\"name\":\"rack1-07\",\"action\":\"boot\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.img\"],"
                + "\"cmdline\":\"console=ttyS0\"}";
        HttpResponse<String> created = send("PUT", "/api/v1/machines/52-54-00-12-34-56", body,
                "Authorization", auth, "Content-Type", "application/json");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(created.body()).contains("\"mac\":\"52:54:00:12:34:56\"", "\"name\":\"rack1-07\"");
        assertThat(registry.get(MAC)).isPresent();

        assertThat(get("/boot/52:54:00:12:34:56.ipxe").body()).contains("booting rack1-07");
        assertThat(get("/api/v1/machines", "Authorization", auth).body())
                .startsWith("[{").contains("\"initrds\":[\"initrd.img\"]");
        assertThat(get("/api/v1/machines/525400123456", "Authorization", auth).statusCode()).isEqualTo(200);

        HttpResponse<String> replaced = send("PUT", "/api/v1/machines/52:54:00:12:34:56",
                "{\"action\":\"local\"}", "Authorization", auth);
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(get("/boot/52:54:00:12:34:56.ipxe").body()).contains("exit");

        HttpResponse<String> invalid = send("PUT", "/api/v1/machines/52:54:00:12:34:56",
                "{\"action\":\"boot\"}", "Authorization", auth);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).isEqualTo("{\"error\":\"kernel: required for action \\\"boot\\\"\"}");

        assertThat(send("DELETE", "/api/v1/machines/52:54:00:12:34:56", null, "Authorization", auth).statusCode())
                .isEqualTo(204);
        assertThat(send("DELETE", "/api/v1/machines/52:54:00:12:34:56", null, "Authorization", auth).statusCode())
                .isEqualTo(404);
        assertThat(send("POST", "/api/v1/machines", "{}", "Authorization", auth).statusCode()).isEqualTo(405);
        assertThat(get("/api/v1/other", "Authorization", auth).statusCode()).isEqualTo(404);
    }

    @Test
    void apiNeedsTheRightTokenAndNeverLogsIt() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> none = get("/api/v1/machines");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("Bearer"));
            assertThat(get("/api/v1/machines", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(send("PUT", "/api/v1/machines/525400123456", "{\"kernel\":\"k\"}",
                    "Authorization", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
            assertThat(registry.list()).isEmpty();
            assertThat(send("PUT", "/api/v1/machines/525400123456?token=" + TOKEN, "{\"kernel\":\"k\"}",
                    "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(201);
            String logged = log.awaitContaining("HTTP API PUT /api/v1/machines/525400123456 -> 201");
            assertThat(logged).contains("-> 401").contains("-> 201").doesNotContain(TOKEN);
        }
    }

    @Test
    void withoutTokenTheApiIsReadOnly() throws Exception {
        registry.put(MachinePlan.boot(MAC, null, new BootSpec("vmlinuz", List.of(), "")));
        start((String) null, new SimpleMeterRegistry());
        assertThat(get("/api/v1/machines").statusCode()).isEqualTo(200);
        HttpResponse<String> put = send("PUT", "/api/v1/machines/525400123456", "{\"kernel\":\"k2\"}");
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(put.body()).contains("configure an API token");
        assertThat(send("DELETE", "/api/v1/machines/525400123456", null, "Authorization", "Bearer x").statusCode())
                .isEqualTo(403);
        assertThat(registry.get(MAC).orElseThrow().spec().kernel()).isEqualTo("vmlinuz");
    }

    @Test
    void oversizedApiBodyIs413() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        String big = "{\"kernel\":\"" + "k".repeat(HttpServer.DEFAULT_MAX_BODY) + "\"}";
        HttpResponse<String> r = send("PUT", "/api/v1/machines/525400123456", big, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedRequestsGet400AndTheServerKeepsServing() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        String[] bad = {
            "GARBAGE\r\n\r\n",
            "GET /" + "a".repeat(HttpServer.DEFAULT_MAX_INITIAL_LINE + 10) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(HttpServer.DEFAULT_MAX_HEADER_SIZE + 10)
                    + "\r\n\r\n",
            "GET /files/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://elsewhere/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n",
        };
        for (String b : bad) {
            String answer = RawHttp.exchange(port, b);
            assertThat(answer).as(b.length() > 60 ? b.substring(0, 60) : b).startsWith("HTTP/1.1 400");
            assertThat(get("/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        String raw = RawHttp.exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(raw.split("HTTP/1.1 ", -1)).hasSize(4);
        assertThat(raw).startsWith("HTTP/1.1 200").contains("HTTP/1.1 404");
        assertThat(raw.lastIndexOf("HTTP/1.1 200")).isGreaterThan(raw.indexOf("HTTP/1.1 404"));
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndOthersKeepWorking() throws Exception {
        int port = start(HttpConfig.defaults().withMaxConnections(2), new SimpleMeterRegistry());
        try (Socket a = open(port); Socket b = open(port)) {
            assertThat(request(a)).startsWith("HTTP/1.1 200");
            assertThat(request(b)).startsWith("HTTP/1.1 200");
            try (Socket c = open(port)) {
                assertThat(readOrEof(c)).isEqualTo(-1);
            }
            assertThat(request(a)).startsWith("HTTP/1.1 200");
        }
        // Closed connections free their slots.
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            try {
                status = get("/healthz").statusCode();
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        int port = start(HttpConfig.defaults().withIdleTimeout(Duration.ofMillis(300)), new SimpleMeterRegistry());
        try (Socket s = open(port)) {
            assertThat(request(s)).startsWith("HTTP/1.1 200");
            long t0 = System.nanoTime();
            assertThat(readOrEof(s)).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    private static Socket open(int port) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5000);
        return s;
    }

    /** One keep-alive GET /healthz on {@code s}; returns the response head and body. */
    private static String request(Socket s) throws Exception {
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] buf = new byte[4096];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    private static int readOrEof(Socket s) throws Exception {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException e) {
            return -1; // reset by the server: closed as well
        }
    }

    @Test
    void bindFailureIsAnIOExceptionAndPublishChecksItsFile() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        HttpServer second = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), port),
                registry, new SimpleMeterRegistry());
        org.assertj.core.api.Assertions.assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class);
        second.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.publish("k", tmp.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.publish("../k", tmp))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }
}
