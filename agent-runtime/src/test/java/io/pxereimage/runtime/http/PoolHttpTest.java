package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.testing.FakePool;
import io.pxereimage.runtime.testing.LogCapture;
import io.pxereimage.runtime.testing.Prerequisites;

/** The pool endpoints over real HTTP on loopback: routing, auth, the ready call and the SSE event stream. */
class PoolHttpTest extends HttpServerFixture {
    static final String ADMIN = "admin-5b1e0c2d9a7f4e38";
    static final String READY_TOKEN = "ready-7d41c09b2e5a44f1";
    static final String AUTH = "Bearer " + ADMIN;

    final FakePool pool = new FakePool().machine("m1", "metal").machine("m2", "vm");
    int port;


    void start(FakePool withPool) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        deploy = new DeployServices(tmp.resolve("data"), Clock.systemUTC(), registry, null,
                new AgentSettings(25, List.of()), meters);
        port = startServer(new HttpServer(loopback(HttpConfig.defaults().withApiToken(ADMIN)), registry, meters,
                deploy, withPool));
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, "Authorization", AUTH);
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void everyPoolPathNeedsTheAdminToken() throws Exception {
        start(pool);
        for (String[] call : new String[][] {{"GET", "/leases"}, {"POST", "/leases"}, {"GET", "/leases/l-1"},
            {"DELETE", "/leases/l-1"}, {"POST", "/leases/l-1/heartbeat"}, {"GET", "/pool"}, {"GET", "/pool/m1"},
            {"POST", "/pool/m1/clear"}, {"POST", "/pool/m1/quarantine"}, {"GET", "/pool/events"}}) {
            HttpResponse<String> r = send(call[0], "/api/v1" + call[1], "{}");
            assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
            HttpResponse<String> wrong = send(call[0], "/api/v1" + call[1], "{}", "Authorization", "Bearer nope");
            assertThat(wrong.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
        }
        HttpResponse<String> sse = send("GET", "/api/v1/events", null, "Accept", "text/event-stream");
        assertThat(sse.statusCode()).isEqualTo(401);
        assertThat(sse.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(pool.threads).isEmpty();
    }

    @Test
    void leasesOverHttp() throws Exception {
        start(pool);
        HttpResponse<String> created = admin("POST", "/api/v1/leases", "{\"labels\":\"metal\",\"client\":\"ci\","
                + "\"data\":{\"password\":\"hunter2-secret\"},\"heartbeatSeconds\":30}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).path("id").asText();
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/leases/" + id);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(created.body()).contains("\"dataKeys\":[\"password\"]").doesNotContain("hunter2-secret");
        assertThat(json(created).path("machineState").asText()).isEqualTo("leased");

        assertThat(admin("POST", "/api/v1/leases", "{\"labels\":\"metal\"}").body())
                .isEqualTo("{\"error\":\"client: required\"}");
        assertThat(admin("POST", "/api/v1/leases", "{\"labels\":\"gpu\",\"client\":\"ci\"}").statusCode())
                .isEqualTo(201);
        assertThat(admin("POST", "/api/v1/leases", "{\"client\":\"ci\"}").statusCode()).isEqualTo(429);
        HttpResponse<String> put = admin("PUT", "/api/v1/leases", "{}");
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");

        assertThat(json(admin("GET", "/api/v1/leases?client=ci&state=provisioning", null))).hasSize(1);
        assertThat(json(admin("GET", "/api/v1/leases?state=pending", null))).hasSize(1);
        assertThat(admin("GET", "/api/v1/leases?state=nope", null).statusCode()).isEqualTo(400);
        assertThat(json(admin("GET", "/api/v1/leases/" + id, null)).path("id").asText()).isEqualTo(id);
        assertThat(admin("GET", "/api/v1/leases/l-none", null).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/leases/" + id + "/heartbeat", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/v1/leases/" + id + "/heartbeat", null).statusCode()).isEqualTo(405);
        assertThat(admin("POST", "/api/v1/leases/l-none/heartbeat", null).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/leases/" + id + "/other", null).statusCode()).isEqualTo(404);
        HttpResponse<String> released = admin("DELETE", "/api/v1/leases/" + id, null);
        assertThat(released.statusCode()).isEqualTo(202);
        assertThat(json(released).path("state").asText()).isEqualTo("released");
        assertThat(admin("DELETE", "/api/v1/leases/" + id, null).statusCode()).isEqualTo(202);
        assertThat(admin("DELETE", "/api/v1/leases/l-none", null).statusCode()).isEqualTo(404);
        HttpResponse<String> late = admin("POST", "/api/v1/leases/" + id + "/heartbeat", null);
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(json(late).path("state").asText()).isEqualTo("released");

        pool.unavailable = true;
        assertThat(admin("GET", "/api/v1/leases", null).statusCode()).isEqualTo(503);
        pool.bug = new NullPointerException("a bug");
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> bug = admin("GET", "/api/v1/leases", null);
            assertThat(bug.statusCode()).isEqualTo(500);
            assertThat(bug.body()).isEqualTo("{\"error\":\"internal error\"}");
            assertThat(log.awaitContaining("unexpected error")).contains("HTTP API GET /api/v1/leases: unexpected "
                    + "error").contains("NullPointerException: a bug");
        }
        // Every pool call ran on the pool worker, none on a Netty event loop.
        assertThat(pool.threads).isNotEmpty().allMatch(t -> t.equals("pxe-pool-api"));
    }

    @Test
    void poolMachinesOverHttp() throws Exception {
        start(pool);
        JsonNode list = json(admin("GET", "/api/v1/pool", null));
        assertThat(list).hasSize(2);
        assertThat(list.get(0).path("name").asText()).isEqualTo("m1");
        assertThat(json(admin("GET", "/api/v1/pool/m2", null)).path("state").asText()).isEqualTo("available");
        assertThat(admin("GET", "/api/v1/pool/m9", null).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/pool/m1/clear", null).statusCode()).isEqualTo(409);
        assertThat(admin("POST", "/api/v1/pool/m9/clear", null).statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/api/v1/pool/m1/clear", null).statusCode()).isEqualTo(405);
        assertThat(admin("POST", "/api/v1/pool/m1/quarantine", "{}").statusCode()).isEqualTo(400);
        HttpResponse<String> q = admin("POST", "/api/v1/pool/m1/quarantine", "{\"reason\":\"flaky NIC\"}");
        assertThat(q.statusCode()).isEqualTo(200);
        assertThat(json(q).path("state").asText()).isEqualTo("quarantined");
        assertThat(admin("POST", "/api/v1/pool/m1/clear", null).statusCode()).isEqualTo(200);
        assertThat(admin("POST", "/api/v1/pool/m1/reboot", null).statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/api/v1/pool", null).statusCode()).isEqualTo(405);

        pool.emit("m1", null, "available", "quarantined", "admin", "flaky NIC");
        pool.emit("m2", "l-9", "available", "leased", "lease", null);
        JsonNode events = json(admin("GET", "/api/v1/pool/events?machine=m2", null));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("seq").asLong()).isEqualTo(2);
        assertThat(json(admin("GET", "/api/v1/pool/events?after=1", null))).hasSize(1);
        assertThat(json(admin("GET", "/api/v1/pool/events?lease=l-9", null))).hasSize(1);
        assertThat(admin("GET", "/api/v1/pool/events?after=x", null).statusCode()).isEqualTo(400);
    }

    @Test
    void withoutAPoolThesePathsAnswer404() throws Exception {
        start(null);
        for (String[] call : new String[][] {{"GET", "/leases"}, {"POST", "/leases/l-1/heartbeat"},
            {"GET", "/pool"}, {"GET", "/pool/events"}}) {
            HttpResponse<String> r = admin(call[0], "/api/v1" + call[1], null);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"error\":\"path: this runtime has no pool\"}");
        }
        assertThat(send("POST", "/api/v1/agent/ready?token=x", null).body()).contains("this runtime has no pool");
        HttpResponse<String> sse = send("GET", "/api/v1/events", null, "Authorization", AUTH, "Accept",
                "text/event-stream");
        assertThat(sse.statusCode()).isEqualTo(404);
        assertThat(sse.body()).contains("this runtime has no pool");
    }

    @Test
    void readyNeedsNoAdminTokenAndTheTokenIsNotLogged() throws Exception {
        pool.readyToken(READY_TOKEN);
        start(pool);
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> r = send("POST", "/api/v1/agent/ready?token=" + READY_TOKEN, "{\"any\":\"thing\"}");
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(send("POST", "/api/v1/agent/ready?token=ready-unknown", "x").statusCode()).isEqualTo(404);
            assertThat(send("POST", "/api/v1/agent/ready", null).statusCode()).isEqualTo(404);
            assertThat(send("GET", "/api/v1/agent/ready?token=" + READY_TOKEN, null).statusCode()).isEqualTo(405);
            String logged = log.awaitContaining("HTTP API POST /api/v1/agent/ready -> 404");
            assertThat(logged).contains("HTTP API POST /api/v1/agent/ready -> 204")
                    .doesNotContain(READY_TOKEN).doesNotContain("ready-unknown").doesNotContain("token=");
        }
        // The body limit still applies: more than 1 MiB is refused before the pool is asked.
        HttpResponse<String> big = send("POST", "/api/v1/agent/ready?token=" + READY_TOKEN, "x".repeat(2 << 20));
        assertThat(big.statusCode()).isEqualTo(413);
    }

    @Test
    void getEventsWithoutTheSseAcceptStaysTheDeployEventList() throws Exception {
        start(pool);
        HttpResponse<String> r = admin("GET", "/api/v1/events", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo("[]");
        assertThat(pool.subscribes.get()).isZero();
    }

    @Test
    void sseFramesLiveEventsAndResumesAfterLastEventId() throws Exception {
        start(pool);
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m1", "l-1", "leased", "powering", "power", "power on via ipmi");
        try (SseClient sse = new SseClient(port, "/api/v1/events", 0, "Authorization", AUTH)) {
            assertThat(sse.statusLine).isEqualTo("HTTP/1.1 200 OK");
            assertThat(sse.headers).containsEntry("content-type", "text/event-stream; charset=utf-8")
                    .containsEntry("transfer-encoding", "chunked").containsEntry("cache-control", "no-store")
                    .doesNotContainKey("content-length");
            assertThat(sse.nextFrame()).isEqualTo("id: 1\nevent: leased\ndata: {\"seq\":1,\"time\":"
                    + "\"2026-11-23T12:00:01Z\",\"machine\":\"m1\",\"lease\":\"l-1\",\"from\":\"available\","
                    + "\"to\":\"leased\",\"cause\":\"lease\",\"message\":null}\n\n");
            assertThat(sse.nextFrame()).startsWith("id: 2\nevent: powering\ndata: {\"seq\":2,")
                    .contains("\"message\":\"power on via ipmi\"");
            pool.emit("m1", "l-1", null, null, "heartbeat", null);
            assertThat(sse.nextFrame()).startsWith("id: 3\nevent: heartbeat\ndata: {");
        }
        // A reconnect: Last-Event-ID wins over the URL's ?after=.
        try (SseClient sse = new SseClient(port, "/api/v1/events?after=0", 0, "Authorization", AUTH,
                "Last-Event-ID", "2")) {
            assertThat(sse.nextFrame()).startsWith("id: 3\n");
        }
        try (SseClient sse = new SseClient(port, "/api/v1/events?after=1", 0, "Authorization", AUTH)) {
            assertThat(sse.nextFrame()).startsWith("id: 2\n");
        }
        try (SseClient sse = new SseClient(port, "/api/v1/events?after=x", 0, "Authorization", AUTH)) {
            assertThat(sse.statusLine).startsWith("HTTP/1.1 400");
        }
    }

    /** The documented curl line: curl de-chunks and prints the frames as they come. */
    @Test
    void curlFollowsTheStream() throws Exception {
        Prerequisites.requireCommands("curl");
        start(pool);
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m1", "l-1", "leased", "powering", "power", "power on");
        Process curl = new ProcessBuilder("curl", "-sS", "-N", "--max-time", "2", "-H", "Authorization: " + AUTH,
                "-H", "Accept: text/event-stream", "-H", "Last-Event-ID: 1", base + "/api/v1/events?lease=l-1")
                .redirectErrorStream(true).start();
        await(() -> pool.openSubscriptions() == 1, "curl subscribed");
        pool.emit("m2", "l-2", "available", "leased", "lease", null);
        pool.emit("m1", "l-1", "powering", "netbooting", "boot", null);
        String text = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(text).isEqualTo(28); // --max-time: the stream does not end by itself
        assertThat(text).startsWith("id: 2\nevent: powering\ndata: {\"seq\":2,")
                .contains("\n\nid: 4\nevent: netbooting\ndata: {\"seq\":4,").doesNotContain("l-2")
                .contains("curl: (28)");
        await(() -> pool.openSubscriptions() == 0, "unsubscribed after curl exited");
    }

    @Test
    void sseFiltersByMachineAndLease() throws Exception {
        start(pool);
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m2", "l-2", "available", "leased", "lease", null);
        try (SseClient byMachine = new SseClient(port, "/api/v1/events?machine=m2", 0, "Authorization", AUTH);
                SseClient byLease = new SseClient(port, "/api/v1/events?lease=l-1", 0, "Authorization", AUTH)) {
            assertThat(byMachine.nextFrame()).startsWith("id: 2\n");
            assertThat(byLease.nextFrame()).startsWith("id: 1\n");
            pool.emit("m1", "l-1", "leased", "powering", "power", null);
            pool.emit("m2", "l-2", "leased", "powering", "power", null);
            assertThat(byMachine.nextFrame()).startsWith("id: 4\n");
            assertThat(byLease.nextFrame()).startsWith("id: 3\n");
        }
    }

    @Test
    void closingTheClientClosesTheSubscription() throws Exception {
        start(pool);
        try (LogCapture log = new LogCapture()) {
            SseClient sse = new SseClient(port, "/api/v1/events", 0, "Authorization", AUTH);
            await(() -> pool.openSubscriptions() == 1, "subscribed");
            pool.emit("m1", null, "available", "quarantined", "admin", null);
            assertThat(sse.nextFrame()).startsWith("id: 1\n");
            sse.close();
            await(() -> pool.openSubscriptions() == 0, "unsubscribed");
            assertThat(pool.unsubscribes.get()).isEqualTo(1);
            assertThat(log.awaitContaining("closed after event 1")).contains("HTTP SSE stream to 127.0.0.1:");
        }
        // The server goes on serving.
        assertThat(admin("GET", "/api/v1/pool", null).statusCode()).isEqualTo(200);
    }

    @Test
    void idleStreamsGetKeepaliveComments() throws Exception {
        start(pool);
        server.sseKeepAlive(Duration.ofMillis(100));
        try (SseClient sse = new SseClient(port, "/api/v1/events", 0, "Authorization", AUTH)) {
            assertThat(sse.nextFrame()).isEqualTo(": keepalive\n\n");
            assertThat(sse.nextFrame()).isEqualTo(": keepalive\n\n");
        }
    }

    @Test
    void aClientThatDoesNotReadIsDroppedNotBuffered() throws Exception {
        start(pool);
        String big = "x".repeat(8192);
        try (LogCapture log = new LogCapture();
                SseClient sse = new SseClient(port, "/api/v1/events", 4096, "Authorization", AUTH)) {
            await(() -> pool.openSubscriptions() == 1, "subscribed");
            // Paced, so the event loop keeps up and it is the full send buffer that stops the stream.
            for (int i = 0; i < 20_000 && pool.openSubscriptions() == 1; i++) {
                pool.emit("m1", null, "cleaning", "cleaning", "clean", big);
                if (i % 16 == 0) {
                    Thread.sleep(1);
                }
            }
            await(() -> pool.openSubscriptions() == 0, "dropped");
            assertThat(log.awaitContaining("dropped after event")).contains("the client is not reading (send buffer "
                    + "full); it may reconnect with Last-Event-ID");
            assertThat(sse.closedByServer()).isTrue();
        }
    }

    @Test
    void aFailedSubscriptionEndsWithAnErrorEvent() throws Exception {
        start(pool);
        pool.unavailable = true;
        try (SseClient sse = new SseClient(port, "/api/v1/events", 0, "Authorization", AUTH)) {
            assertThat(sse.statusLine).isEqualTo("HTTP/1.1 200 OK");
            assertThat(sse.nextFrame()).isEqualTo("event: error\ndata: {\"error\":\"pool: unavailable (database "
                    + "down); try again later\"}\n\n");
            assertThat(sse.closedByServer()).isTrue();
        }
    }

    @Test
    void anotherRequestOnAStreamingConnectionClosesIt() throws Exception {
        start(pool);
        try (SseClient sse = new SseClient(port, "/api/v1/events", 0, "Authorization", AUTH)) {
            await(() -> pool.openSubscriptions() == 1, "subscribed");
            sse.socket.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").getBytes());
            assertThat(sse.closedByServer()).isTrue();
            await(() -> pool.openSubscriptions() == 0, "unsubscribed");
        }
        assertThat(pool.subscribes.get()).isEqualTo(1);
    }
}
