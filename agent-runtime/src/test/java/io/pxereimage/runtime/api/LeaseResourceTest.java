package io.pxereimage.runtime.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.pool.PoolEvent;
import io.pxereimage.runtime.testing.FakePool;

/** {@link LeaseResource} without sockets: statuses, JSON shape, and that pool calls run on the worker. */
class LeaseResourceTest {
    static final String SECRET = "root-password-93c1";
    final FakePool pool = new FakePool().machine("m1", "metal", "x86").machine("m2", "vm");
    final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-pool-worker"));
    final LeaseResource leases = new LeaseResource(pool, worker);

    @AfterEach
    void stop() {
        worker.shutdownNow();
    }

    static ApiResponse get(CompletableFuture<ApiResponse> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static JsonNode json(ApiResponse r) throws Exception {
        return Json.MAPPER.readTree(r.json());
    }

    ApiResponse create(String body) throws Exception {
        return get(leases.create(body(body)));
    }

    @Test
    void createAnswers201WithLocationAndNoDataValues() throws Exception {
        ApiResponse r = create("{\"labels\":\"metal\",\"image\":\"debian\",\"hostname\":\"web1\",\"client\":\"ci\","
                + "\"data\":{\"password\":\"" + SECRET + "\",\"a\":\"b\"},\"wait\":false,\"timeoutSeconds\":600,"
                + "\"heartbeatSeconds\":30}");
        assertThat(r.status()).isEqualTo(201);
        JsonNode l = json(r);
        assertThat(r.headers()).containsEntry("Location", "/api/v1/leases/" + l.path("id").asText());
        assertThat(new String(r.json(), StandardCharsets.UTF_8)).doesNotContain(SECRET);
        assertThat(l.path("dataKeys").toString()).isEqualTo("[\"a\",\"password\"]");
        assertThat(l.path("client").asText()).isEqualTo("ci");
        assertThat(l.path("labels").asText()).isEqualTo("metal");
        assertThat(l.path("image").asText()).isEqualTo("debian");
        assertThat(l.path("hostname").asText()).isEqualTo("web1");
        assertThat(l.path("wait").asBoolean(true)).isFalse();
        assertThat(l.path("state").asText()).isEqualTo("provisioning");
        assertThat(l.path("machine").asText()).isEqualTo("m1");
        assertThat(l.path("machineState").asText()).isEqualTo("leased");
        assertThat(l.path("created").asText()).isEqualTo("2026-11-23T12:00:00Z");
        assertThat(l.path("deadline").asText()).isEqualTo("2026-11-23T12:10:00Z");
        assertThat(l.path("expires").asText()).isEqualTo("2026-11-23T12:00:30Z");
        assertThat(l.path("heartbeatSeconds").asInt()).isEqualTo(30);
        assertThat(l.has("readyAt")).isTrue();
        assertThat(l.has("endedAt")).isTrue();
        assertThat(l.has("message")).isTrue();
        assertThat(l.has("firstBoot")).isFalse();
        assertThat(l.has("data")).isFalse();
        // Pool calls ran on the worker, never on the caller's (network) thread.
        assertThat(pool.threads).containsOnly("test-pool-worker");
    }

    @Test
    void badInputIs400WithTheField() throws Exception {
        assertThat(create("{\"labels\":\"metal\"}").body()).isEqualTo(new ApiResponse.Error("client: required"));
        assertThat(create("{\"labels\":\"metal\",\"client\":\" \"}").status()).isEqualTo(400);
        assertThat(create("{\"lables\":\"metal\",\"client\":\"ci\"}").body())
                .isEqualTo(new ApiResponse.Error("lables: unknown field"));
        assertThat(create("{\"client\":\"ci\",\"timeoutSeconds\":\"soon\"}").body())
                .isEqualTo(new ApiResponse.Error("timeoutSeconds: wrong type"));
        assertThat(create("{not json").body()).isEqualTo(new ApiResponse.Error("body: not valid JSON"));
        assertThat(create("[1]").status()).isEqualTo(400);
        assertThat(get(leases.create(new byte[0])).body())
                .isEqualTo(new ApiResponse.Error("body: a JSON object is required"));
        // The pool's own validation (IllegalArgumentException) passes through as field: reason.
        assertThat(create("{\"labels\":\"a &&& b\",\"client\":\"ci\"}").body())
                .isEqualTo(new ApiResponse.Error("labels: unexpected '&' at 1"));
    }

    @Test
    void capIs429AndStoreDownIs503() throws Exception {
        assertThat(create("{\"client\":\"ci\"}").status()).isEqualTo(201);
        assertThat(create("{\"client\":\"ci\"}").status()).isEqualTo(201);
        ApiResponse capped = create("{\"client\":\"ci\"}");
        assertThat(capped.status()).isEqualTo(429);
        assertThat(((ApiResponse.Error) capped.body()).error()).contains("already holds 2 open leases");
        pool.unavailable = true;
        ApiResponse down = create("{\"client\":\"other\"}");
        assertThat(down.status()).isEqualTo(503);
        assertThat(((ApiResponse.Error) down.body()).error()).startsWith("pool: unavailable (database down)");
        assertThat(get(leases.machines()).status()).isEqualTo(503);
        assertThat(get(leases.list(null, null)).status()).isEqualTo(503);
    }

    @Test
    void noFreeMachineWithoutWaitIsACreatedFailedLease() throws Exception {
        ApiResponse r = create("{\"labels\":\"gpu\",\"client\":\"ci\",\"wait\":false}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(json(r).path("state").asText()).isEqualTo("failed");
        assertThat(json(r).path("machine").isNull()).isTrue();
        assertThat(json(r).path("machineState").isNull()).isTrue();
        assertThat(json(create("{\"labels\":\"gpu\",\"client\":\"ci\"}")).path("state").asText())
                .isEqualTo("pending");
        // Leases without a machine list fine (no machine state to look up).
        assertThat(json(get(leases.list(null, null)))).hasSize(2);
    }

    @Test
    void listShowHeartbeatRelease() throws Exception {
        String a = json(create("{\"labels\":\"metal\",\"client\":\"ci\"}")).path("id").asText();
        String b = json(create("{\"labels\":\"vm\",\"client\":\"dev\"}")).path("id").asText();
        JsonNode all = json(get(leases.list(null, null)));
        assertThat(all).hasSize(2);
        assertThat(all.get(0).path("id").asText()).isEqualTo(b);
        assertThat(json(get(leases.list("ci", null)))).hasSize(1);
        assertThat(json(get(leases.list(null, "provisioning")))).hasSize(2);
        assertThat(json(get(leases.list(null, "ready")))).isEmpty();
        assertThat(get(leases.list(null, "bogus")).body()).isEqualTo(new ApiResponse.Error(
                "state: must be one of pending, provisioning, ready, released, expired, failed"));

        assertThat(json(get(leases.get(a))).path("machine").asText()).isEqualTo("m1");
        assertThat(get(leases.get("l-nope")).status()).isEqualTo(404);

        ApiResponse hb = get(leases.heartbeat(a));
        assertThat(hb.status()).isEqualTo(200);
        assertThat(json(hb).path("expires").asText()).isEqualTo("2026-11-23T12:01:01Z");
        assertThat(get(leases.heartbeat("l-nope")).status()).isEqualTo(404);

        ApiResponse rel = get(leases.release(a));
        assertThat(rel.status()).isEqualTo(202);
        assertThat(json(rel).path("state").asText()).isEqualTo("released");
        assertThat(json(rel).path("machineState").asText()).isEqualTo("releasing");
        ApiResponse again = get(leases.release(a));
        assertThat(again.status()).isEqualTo(202);
        assertThat(json(again).path("state").asText()).isEqualTo("released");
        assertThat(get(leases.release("l-nope")).status()).isEqualTo(404);

        ApiResponse late = get(leases.heartbeat(a));
        assertThat(late.status()).isEqualTo(409);
        assertThat(json(late).path("id").asText()).isEqualTo(a);
        assertThat(json(late).path("state").asText()).isEqualTo("released");
    }

    @Test
    void poolMachinesClearAndQuarantine() throws Exception {
        JsonNode list = json(get(leases.machines()));
        assertThat(list).hasSize(2);
        JsonNode m1 = list.get(0);
        assertThat(m1.path("name").asText()).isEqualTo("m1");
        assertThat(m1.path("labels").toString()).isEqualTo("[\"metal\",\"x86\"]");
        assertThat(m1.path("state").asText()).isEqualTo("available");
        assertThat(m1.path("owner").asText()).isEqualTo("rt1");
        assertThat(m1.path("failures").asInt()).isZero();
        assertThat(m1.path("since").asText()).isEqualTo("2026-11-23T12:00:00Z");
        assertThat(m1.has("lease")).isTrue();
        assertThat(m1.has("message")).isTrue();
        assertThat(m1.has("version")).isFalse();
        assertThat(json(get(leases.machine("m2"))).path("labels").toString()).isEqualTo("[\"vm\"]");
        assertThat(get(leases.machine("m9")).status()).isEqualTo(404);

        assertThat(get(leases.clear("m1")).status()).isEqualTo(409);
        assertThat(get(leases.clear("m9")).status()).isEqualTo(404);
        assertThat(get(leases.quarantine("m1", body("{}"))).body())
                .isEqualTo(new ApiResponse.Error("reason: required"));
        assertThat(get(leases.quarantine("m1", null)).status()).isEqualTo(400);
        ApiResponse q = get(leases.quarantine("m1", body("{\"reason\":\"bad DIMM\"}")));
        assertThat(q.status()).isEqualTo(200);
        assertThat(json(q).path("state").asText()).isEqualTo("quarantined");
        assertThat(json(q).path("message").asText()).isEqualTo("bad DIMM");
        assertThat(get(leases.quarantine("m9", body("{\"reason\":\"x\"}"))).status()).isEqualTo(404);
        ApiResponse c = get(leases.clear("m1"));
        assertThat(c.status()).isEqualTo(200);
        assertThat(json(c).path("state").asText()).isEqualTo("cleaning");

        create("{\"labels\":\"vm\",\"client\":\"ci\"}");
        ApiResponse held = get(leases.quarantine("m2", body("{\"reason\":\"x\"}")));
        assertThat(held.status()).isEqualTo(409);
        assertThat(((ApiResponse.Error) held.body()).error()).contains("held by lease");
    }

    @Test
    void readyAnswers204ForAKnownToken() throws Exception {
        pool.readyToken("rdy-secret");
        assertThat(get(leases.ready("rdy-secret")).status()).isEqualTo(204);
        ApiResponse unknown = get(leases.ready("other"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(new String(unknown.json(), StandardCharsets.UTF_8)).doesNotContain("other");
        assertThat(get(leases.ready(null)).status()).isEqualTo(404);
    }

    @Test
    void storedEventsFilterAndPage() throws Exception {
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m2", null, "available", "quarantined", "admin", "bad DIMM");
        pool.emit("m1", "l-1", "leased", "powering", "power", "power on");
        assertThat(json(get(leases.events(null, null, null, null)))).hasSize(3);
        JsonNode m1 = json(get(leases.events("1", "m1", null, null)));
        assertThat(m1).hasSize(1);
        assertThat(m1.get(0).path("seq").asLong()).isEqualTo(3);
        assertThat(m1.get(0).path("to").asText()).isEqualTo("powering");
        assertThat(m1.get(0).path("time").asText()).isEqualTo("2026-11-23T12:00:03Z");
        assertThat(json(get(leases.events("0", null, "l-1", "1")))).hasSize(1);
        assertThat(get(leases.events("-1", null, null, null)).body())
                .isEqualTo(new ApiResponse.Error("after: must be an event sequence number (0 or more)"));
        assertThat(get(leases.events(null, null, null, "0")).status()).isEqualTo(400);
        assertThat(get(leases.events(null, null, null, "100000")).status()).isEqualTo(400);
    }

    @Test
    void sseFrameAndAfterSeq() {
        PoolEvent e = new PoolEvent(12, FakePool.T0, "m1", "l-1", "leased", "powering", "power", "line1\nline2");
        assertThat(LeaseResource.sseFrame(e)).isEqualTo("id: 12\nevent: powering\ndata: {\"seq\":12,"
                + "\"time\":\"2026-11-23T12:00:00Z\",\"machine\":\"m1\",\"lease\":\"l-1\",\"from\":\"leased\","
                + "\"to\":\"powering\",\"cause\":\"power\",\"message\":\"line1\\nline2\"}\n\n");
        PoolEvent leaseOnly = new PoolEvent(13, FakePool.T0, null, "l-1", null, null, "heartbeat", null);
        assertThat(LeaseResource.sseFrame(leaseOnly)).startsWith("id: 13\nevent: heartbeat\ndata: {");
        assertThat(LeaseResource.afterSeq(null)).isZero();
        assertThat(LeaseResource.afterSeq(" 42 ")).isEqualTo(42);
        assertThatThrownBy(() -> LeaseResource.afterSeq("x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subscriptionFiltersAndUnsubscribes() throws Exception {
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m2", "l-2", "available", "leased", "lease", null);
        List<Long> seen = new CopyOnWriteArrayList<>();
        AutoCloseable sub = leases.subscribe(0, null, "l-2", e -> seen.add(e.seq())).get(5, TimeUnit.SECONDS);
        pool.emit("m2", "l-2", "leased", "powering", "power", null);
        pool.emit("m1", "l-1", "leased", "powering", "power", null);
        assertThat(seen).containsExactly(2L, 3L);
        leases.unsubscribe(sub);
        worker.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertThat(pool.openSubscriptions()).isZero();
        assertThat(pool.unsubscribes.get()).isEqualTo(1);
    }

    @Test
    void aStoppedWorkerAnswers503() throws Exception {
        worker.shutdown();
        ApiResponse r = get(leases.create(body("{\"client\":\"ci\"}")));
        assertThat(r.body()).isEqualTo(new ApiResponse.Error("pool: the runtime is stopping"));
        assertThat(r.status()).isEqualTo(503);
    }
}
