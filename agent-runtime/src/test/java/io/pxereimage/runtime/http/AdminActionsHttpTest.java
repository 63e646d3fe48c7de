package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.api.ApiToken;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.testing.FakePool;

/**
 * Named tokens, the audit log and {@code POST /api/v1/actions} over real HTTP: viewers only read, an action
 * without the machine's name as confirmation does nothing, and every change (allowed or refused) is one line of
 * {@code audit.jsonl} without a token or a body in it.
 */
class AdminActionsHttpTest extends HttpServerFixture {
    static final String ADMIN = "admin-5b1e0c2d9a7f4e38";
    static final String ALICE = "alice-0c2d9a7f4e385b1e";
    static final String BOB = "bob-9a7f4e385b1e0c2d44";

    final FakePool pool = new FakePool().machine("m1", "metal").machine("m2", "vm");
    Path auditFile;


    void start(FakePool withPool) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        registry.put(new MachinePlan(MacAddress.parse("52:54:00:aa:00:01"), "m1", MachinePlan.Action.LOCAL, null));
        registry.put(new MachinePlan(MacAddress.parse("52:54:00:aa:00:03"), "plain", MachinePlan.Action.LOCAL, null));
        deploy = new DeployServices(tmp.resolve("data"), Clock.systemUTC(), registry, null,
                new AgentSettings(25, List.of()), meters);
        Path img = Files.write(tmp.resolve("demo.img"), new byte[4096]);
        deploy.images().put(new ImageEntry("demo", img.toString(), "ab".repeat(32), 4096, "none", 4096, List.of(),
                Instant.now()));
        auditFile = tmp.resolve("data/audit.jsonl");
        startServer(new HttpServer(loopback(HttpConfig.defaults().withApiToken(ADMIN)
                .withTokens(List.of(new ApiToken("alice", ALICE, ApiToken.Role.ADMIN),
                        new ApiToken("bob", BOB, ApiToken.Role.VIEWER)))
                .withAuditLog(auditFile)), registry, meters, deploy, withPool));
    }

    HttpResponse<String> as(String token, String method, String path, String body) throws Exception {
        return token == null ? send(method, path, body) : send(method, path, body, "Authorization", "Bearer " + token);
    }

    HttpResponse<String> act(String token, String body) throws Exception {
        return as(token, "POST", "/api/v1/actions", body);
    }

    List<JsonNode> auditLines() throws Exception {
        return Files.readAllLines(auditFile).stream().map(l -> {
            try {
                return Json.MAPPER.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void viewersReadAdminsChangeAndEveryChangeIsAudited() throws Exception {
        start(pool);
        assertThat(as(BOB, "GET", "/api/v1/pool", null).statusCode()).isEqualTo(200);
        HttpResponse<String> viewerWrite = as(BOB, "POST", "/api/v1/pool/m2/quarantine", "{\"reason\":\"x\"}");
        assertThat(viewerWrite.statusCode()).isEqualTo(403);
        assertThat(viewerWrite.body()).contains("bob is a viewer");
        assertThat(as(null, "DELETE", "/api/v1/machines/52:54:00:aa:00:03", null).statusCode()).isEqualTo(401);
        assertThat(as(ALICE, "POST", "/api/v1/pool/m2/quarantine", "{\"reason\":\"bad DIMM " + ADMIN + "\"}")
                .statusCode()).isEqualTo(200);

        List<JsonNode> lines = auditLines();
        assertThat(lines).hasSize(3); // reads are not audited
        assertThat(lines.get(0).path("who").asText()).isEqualTo("bob");
        assertThat(lines.get(0).path("role").asText()).isEqualTo("viewer");
        assertThat(lines.get(0).path("status").asInt()).isEqualTo(403);
        assertThat(lines.get(0).path("action").asText()).isEqualTo("pool.quarantine");
        assertThat(lines.get(0).path("target").asText()).isEqualTo("m2");
        assertThat(lines.get(1).path("who").isNull()).isTrue();
        assertThat(lines.get(1).path("status").asInt()).isEqualTo(401);
        assertThat(lines.get(1).path("method").asText()).isEqualTo("DELETE");
        assertThat(lines.get(2).path("who").asText()).isEqualTo("alice");
        assertThat(lines.get(2).path("path").asText()).isEqualTo("/api/v1/pool/m2/quarantine");
        assertThat(lines.get(2).path("time").asText()).isNotEmpty();
        String file = Files.readString(auditFile);
        assertThat(file).doesNotContain(ADMIN).doesNotContain(ALICE).doesNotContain(BOB).doesNotContain("bad DIMM");

        // The audit list: admins only, newest last.
        assertThat(as(BOB, "GET", "/api/v1/audit", null).statusCode()).isEqualTo(403);
        assertThat(as(null, "GET", "/api/v1/audit", null).statusCode()).isEqualTo(401);
        JsonNode list = Json.MAPPER.readTree(as(ADMIN, "GET", "/api/v1/audit?limit=2", null).body());
        assertThat(list).hasSize(2);
        assertThat(list.get(1).path("who").asText()).isEqualTo("alice");
        assertThat(as(ADMIN, "GET", "/api/v1/audit?limit=0", null).statusCode()).isEqualTo(400);
    }

    @Test
    void anActionWithoutConfirmationDoesNothing() throws Exception {
        start(pool);
        pool.setMachine("m1", MachineState.QUARANTINED, "bad DIMM");
        for (String body : new String[] {
            "{\"action\":\"reimage\",\"machine\":\"m1\",\"image\":\"demo\"}",
            "{\"action\":\"reimage\",\"machine\":\"m1\",\"confirm\":\"m2\",\"image\":\"demo\"}",
            "{\"action\":\"clear-quarantine\",\"machine\":\"m1\",\"confirm\":\"M1\"}",
            "{\"action\":\"power-cycle\",\"machine\":\"m1\",\"confirm\":\"\"}",
            "{\"action\":\"release\",\"machine\":\"m1\",\"confirm\":null}"}) {
            HttpResponse<String> r = act(ADMIN, body);
            assertThat(r.statusCode()).as(body).isEqualTo(428);
            assertThat(r.body()).startsWith("{\"error\":\"confirm: ");
        }
        // Nothing happened: no job queued, the machine still quarantined, no BMC call, no lease touched.
        assertThat(deploy.jobs().list()).isEmpty();
        assertThat(state("m1")).isEqualTo(MachineState.QUARANTINED);
        assertThat(pool.powerCycles).isEmpty();
        assertThat(pool.leases(null, null)).isEmpty();
        assertThat(registry.find("m1").orElseThrow().action()).isEqualTo(MachinePlan.Action.LOCAL);
        List<JsonNode> lines = auditLines();
        assertThat(lines).hasSize(5).allMatch(l -> l.path("status").asInt() == 428 && l.path("who").asText()
                .equals("admin") && l.path("target").asText().equals("m1"));
        assertThat(lines.get(0).path("action").asText()).isEqualTo("reimage");
        assertThat(lines.get(2).path("action").asText()).isEqualTo("clear-quarantine");

        // A viewer is refused even with the right confirmation; bad bodies are 400.
        assertThat(act(BOB, "{\"action\":\"power-cycle\",\"machine\":\"m1\",\"confirm\":\"m1\"}").statusCode())
                .isEqualTo(403);
        assertThat(act(ADMIN, "{\"action\":\"explode\",\"machine\":\"m1\",\"confirm\":\"m1\"}").statusCode())
                .isEqualTo(400);
        assertThat(act(ADMIN, "{\"action\":\"release\",\"machine\":\"m1\",\"confirm\":\"m1\",\"x\":1}").body())
                .isEqualTo("{\"error\":\"x: unknown field\"}");
        assertThat(as(ADMIN, "GET", "/api/v1/actions", null).statusCode()).isEqualTo(405);
        assertThat(pool.powerCycles).isEmpty();
        assertThat(auditLines()).hasSize(8);
    }

    @Test
    void confirmedActionsUseTheirCodePaths() throws Exception {
        start(pool);
        pool.setMachine("m1", MachineState.QUARANTINED, "bad DIMM");
        HttpResponse<String> cleared = act(ALICE, "{\"action\":\"clear-quarantine\",\"machine\":\"m1\",\"confirm\":\"m1\"}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertThat(state("m1")).isEqualTo(MachineState.CLEANING);
        assertThat(act(ALICE, "{\"action\":\"clear-quarantine\",\"machine\":\"m1\",\"confirm\":\"m1\"}")
                .statusCode()).isEqualTo(409);

        HttpResponse<String> cycled = act(ALICE, "{\"action\":\"power-cycle\",\"machine\":\"m2\",\"confirm\":\"m2\"}");
        assertThat(cycled.statusCode()).as(cycled.body()).isEqualTo(200);
        assertThat(pool.powerCycles).containsExactly("m2");
        HttpResponse<String> plain = act(ALICE, "{\"action\":\"power-cycle\",\"machine\":\"plain\",\"confirm\":\"plain\"}");
        assertThat(plain.statusCode()).isEqualTo(409);
        assertThat(plain.body()).contains("not a pool machine (no bmc");
        assertThat(act(ALICE, "{\"action\":\"power-cycle\",\"machine\":\"ghost\",\"confirm\":\"ghost\"}")
                .statusCode()).isEqualTo(404);

        assertThat(act(ALICE, "{\"action\":\"release\",\"machine\":\"m2\",\"confirm\":\"m2\"}").statusCode())
                .isEqualTo(409); // no lease holds it
        String lease = Json.MAPPER.readTree(as(ADMIN, "POST", "/api/v1/leases", "{\"labels\":\"vm\",\"client\":\"ci\"}")
                .body()).path("id").asText();
        HttpResponse<String> released = act(ALICE, "{\"action\":\"release\",\"machine\":\"m2\",\"confirm\":\"m2\"}");
        assertThat(released.statusCode()).as(released.body()).isEqualTo(202);
        assertThat(Json.MAPPER.readTree(released.body()).path("id").asText()).isEqualTo(lease);
        assertThat(Json.MAPPER.readTree(released.body()).path("state").asText()).isEqualTo("released");

        HttpResponse<String> reimaged = act(ALICE, "{\"action\":\"reimage\",\"machine\":\"m1\",\"confirm\":\"m1\"}");
        assertThat(reimaged.statusCode()).as(reimaged.body()).isEqualTo(202); // the pool's default image
        assertThat(deploy.jobs().list()).hasSize(1);
        assertThat(deploy.jobs().list().get(0).machine()).isEqualTo("m1");
        assertThat(registry.find("m1").orElseThrow().action()).isEqualTo(MachinePlan.Action.DEPLOY);

        List<JsonNode> lines = auditLines();
        assertThat(lines).extracting(l -> l.path("action").asText() + " " + l.path("target").asText() + " "
                + l.path("status").asInt()).containsExactly("clear-quarantine m1 200", "clear-quarantine m1 409",
                "power-cycle m2 200", "power-cycle plain 409", "power-cycle ghost 404", "release m2 409",
                "leases.create null 201", "release m2 202", "reimage m1 202");
    }

    MachineState state(String name) {
        return pool.machines().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().state();
    }
}
