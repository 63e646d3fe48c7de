package io.pxereimage.runtime.agentit;

import static io.pxereimage.runtime.agentit.AgentProcess.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Who may talk to the runtime and what it may make an agent do, with the real agent (child JVM) and the real
 * runtime on 127.0.0.1: boot tokens (wrong, replayed) and the {@code run} allow-list. See {@link RealAgentDeployIT}
 * for how to run.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealAgentAccessIT {
    static final long DISK = 16L * MIB;

    @TempDir
    Path tmp;
    AgentRig rig;

    @BeforeEach
    void prerequisites() {
        AgentProcess.jar();
    }

    @AfterEach
    void tearDown() {
        if (rig != null) {
            rig.close();
        }
    }

    String queueRun(String... command) throws Exception {
        String body = AgentRig.JSON.createObjectNode().put("type", "run")
                .set("command", AgentRig.JSON.valueToTree(List.of(command))).toString();
        return rig.adminJson("POST", "/api/v1/machines/m1/jobs", body, 202).path("id").asText();
    }

    static List<String> messages(JsonNode job) {
        return RealAgentDeployIT.eventMessages(job);
    }

    @Test
    void wrongTokenIsRefusedAndAReplayedTokenToo() throws Exception {
        rig = new AgentRig(tmp, "deploy", List.of("seq"));
        String[] boot = rig.bootScript();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String forged = HexFormat.of().formatHex(random);

        AgentProcess impostor = rig.startAgent("impostor", boot[0], forged, DISK);
        assertThat(impostor.awaitOutput("registration refused", 15_000)).as(impostor.output()).isTrue();
        assertThat(impostor.output()).contains("token unknown");
        assertThat(rig.counter("pxe_agent_registrations_total", "outcome", "unknown")).isEqualTo(1.0);
        assertThat(rig.awaitLog("refused: token unknown")).contains("agent register " + AgentRig.MAC
                + " refused: token unknown").doesNotContain(forged).doesNotContain(boot[1]);
        String first = queueRun("seq", "2");
        Thread.sleep(1500);
        assertThat(rig.job(first).path("state").asText()).as("no agent holds a session").isEqualTo("queued");
        assertThat(rig.phases()).doesNotContain("registered");

        // Control: the token the script minted works, and the queued job goes to that agent.
        AgentProcess machine = rig.startAgent("machine", boot[0], boot[1], DISK);
        JsonNode done = rig.awaitJob(first, Set.of("succeeded", "failed"), Duration.ofSeconds(20));
        assertThat(done.path("state").asText()).isEqualTo("succeeded");
        assertThat(messages(done)).containsSubsequence("stdout: 1", "stdout: 2");
        assertThat(rig.counter("pxe_agent_registrations_total", "outcome", "ok")).isEqualTo(1.0);

        // The same token a second time (a copied command line, a replay): refused, the first session stays.
        AgentProcess replay = rig.startAgent("replay", boot[0], boot[1], DISK);
        assertThat(replay.awaitOutput("registration refused", 15_000)).as(replay.output()).isTrue();
        assertThat(replay.output()).contains("token already used");
        assertThat(rig.counter("pxe_agent_registrations_total", "outcome", "used")).isEqualTo(1.0);
        String second = queueRun("seq", "3");
        JsonNode done2 = rig.awaitJob(second, Set.of("succeeded", "failed"), Duration.ofSeconds(20));
        assertThat(messages(done2)).containsSubsequence("stdout: 1", "stdout: 2", "stdout: 3");
        assertThat(machine.output()).contains("job " + first + " (run) started", "job " + second + " (run) started");
        assertThat(impostor.output()).doesNotContain("registered:").doesNotContain(") started");
        assertThat(replay.output()).doesNotContain("registered:").doesNotContain(") started");
        assertThat(impostor.alive()).as("a refused agent waits for an operator, it does not exit").isTrue();
        assertThat(rig.runtime.deploy().sessions().list()).hasSize(1);
    }

    @Test
    void runOutsideTheAllowListIsRefusedByTheApiAndAnAllowedOneStreamsItsOutput() throws Exception {
        rig = new AgentRig(tmp, "deploy", List.of("seq", "echo allowed"));
        String[] boot = rig.bootScript();
        AgentProcess machine = rig.startAgent("machine", boot[0], boot[1], DISK);
        assertThat(machine.awaitOutput("registered:", 15_000)).as(machine.output()).isTrue();

        Path forbidden = tmp.resolve("forbidden-ran");
        for (List<String> cmd : List.of(List.of("touch", forbidden.toString()), List.of("echo", "not-allowed"))) {
            String body = AgentRig.JSON.createObjectNode().put("type", "run")
                    .set("command", AgentRig.JSON.valueToTree(cmd)).toString();
            HttpResponse<String> r = rig.admin("POST", "/api/v1/machines/m1/jobs", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(r.body()).contains("allowedCommands");
        }
        assertThat(rig.jobsOfMachine()).as("nothing was queued").isEmpty();

        String id = queueRun("seq", "4");
        String echo = queueRun("echo", "allowed", "too");
        JsonNode job = rig.awaitJob(id, Set.of("succeeded", "failed"), Duration.ofSeconds(20));
        assertThat(job.path("state").asText()).isEqualTo("succeeded");
        assertThat(job.path("message").asText()).isEqualTo("exit 0");
        assertThat(messages(job)).containsSubsequence("running seq 4", "stdout: 1", "stdout: 2", "stdout: 3",
                "stdout: 4");
        assertThat(messages(rig.awaitJob(echo, Set.of("succeeded"), Duration.ofSeconds(20))))
                .contains("stdout: allowed too");
        assertThat(forbidden).doesNotExist();
        assertThat(machine.output()).doesNotContain("not-allowed").doesNotContain("running touch");
    }
}
