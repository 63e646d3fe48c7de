package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.testing.MutableClock;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.DeployRig;
import io.pxereimage.runtime.testing.FakeAgent;
import io.pxereimage.runtime.testing.LogCapture;

/** Agent endpoints: boot-token rules, which credential works where, unknown jobs and malformed bodies. */
class AgentEndpointsHttpTest {
    @TempDir
    Path tmp;
    DeployRig rig;

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    FakeAgent agent() {
        return new FakeAgent(() -> rig.base, DeployRig.MAC);
    }

    @Test
    void tokenRules() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T13:00:00Z"));
        rig = new DeployRig(tmp, clock, List.of());
        rig.registry.put(rig.registry.get(DeployRig.MAC).orElseThrow().withAction(MachinePlan.Action.DEPLOY));
        FakeAgent agent = agent();
        try (LogCapture log = new LogCapture()) {
            String token = agent.bootToken();
            assertThat(agent.register("f".repeat(64)).statusCode()).isEqualTo(401);
            HttpResponse<String> other = agent.register("52:54:00:99:99:99", token);
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(other.body()).isEqualTo("{\"error\":\"token bound to another MAC\"}");
            // A HEAD of the script (a probe) mints nothing, so it does not revoke the live token.
            assertThat(rig.send("HEAD", "/boot/52:54:00:12:34:56.ipxe", null).statusCode()).isEqualTo(200);
            assertThat(agent.register(token).statusCode()).isEqualTo(200);
            HttpResponse<String> reused = agent.register(token);
            assertThat(reused.statusCode()).isEqualTo(401);
            assertThat(reused.body()).contains("token already used");

            String late = agent.bootToken();
            clock.advance(Duration.ofMinutes(16));
            HttpResponse<String> expired = agent.register(late);
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(expired.body()).contains("token expired");
            String logged = log.awaitContaining("refused: token expired");
            assertThat(logged).doesNotContain(token).doesNotContain(late)
                    .contains("boot token " + io.pxereimage.runtime.device.Secrets.fingerprint(late));
        }
        assertThat(rig.meters.get("pxe_agent_registrations_total").tag("outcome", "used").counter().count())
                .isEqualTo(1.0);
        assertThat(rig.meters.get("pxe_agent_registrations_total").tag("outcome", "ok").counter().count())
                .isEqualTo(1.0);
        // The admin token is no agent credential, and a session token no admin credential.
        assertThat(rig.send("GET", "/api/v1/agent/jobs/next?wait=0", null, "Authorization",
                "Bearer " + DeployRig.ADMIN).statusCode()).isEqualTo(401);
        assertThat(rig.send("GET", "/api/v1/jobs", null, "Authorization", "Bearer " + agent.sessionToken)
                .statusCode()).isEqualTo(401);
    }

    @Test
    void unknownAgentJobsAndMalformedBodies() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        rig.registry.put(rig.registry.get(DeployRig.MAC).orElseThrow().withAction(MachinePlan.Action.DEPLOY));
        FakeAgent agent = agent();
        assertThat(rig.send("POST", "/api/v1/agent/register", "not json").statusCode()).isEqualTo(400);
        assertThat(rig.send("POST", "/api/v1/agent/register", "{\"mac\":\"zz\",\"token\":\"x\"}").statusCode())
                .isEqualTo(400);
        agent.register(agent.bootToken());
        assertThat(agent.result("j-unknown", "succeeded", "").statusCode()).isEqualTo(404);
        assertThat(agent.progress("j-unknown", 1, 2).statusCode()).isEqualTo(404);
        String other = rig.deploy.jobs().enqueue(MacAddress.parse("52:54:00:00:00:99"), "m9",
                io.pxereimage.protocol.Job.Reboot::new).id();
        assertThat(agent.result(other, "succeeded", "").statusCode()).isEqualTo(404);
        assertThat(rig.send("GET", "/api/v1/agent/jobs/next?wait=x", null, "Authorization",
                "Bearer " + agent.sessionToken).statusCode()).isEqualTo(400);
        assertThat(rig.send("GET", "/api/v1/agent/register", null).statusCode()).isEqualTo(405);
        int port = java.net.URI.create(rig.base).getPort();
        assertThat(RawHttp.exchange(port, "GET /api/v1/events?machine=%zz HTTP/1.1\r\nHost: x\r\nConnection: close"
                + "\r\nAuthorization: Bearer " + DeployRig.ADMIN + "\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(rig.send("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }
}
