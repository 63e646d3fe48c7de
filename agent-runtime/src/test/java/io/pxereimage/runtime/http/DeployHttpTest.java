package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.device.Events;
import io.pxereimage.runtime.testing.DeployRig;
import io.pxereimage.runtime.testing.FakeAgent;
import io.pxereimage.runtime.testing.LogCapture;

/** The deploy flow over real HTTP on loopback: agent endpoints, admin API, images, plans, events, logs. */
class DeployHttpTest {
    static final String SECRET = "first-boot-secret-4711";
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

    static byte[] image() {
        byte[] img = new byte[3 << 20];
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        System.arraycopy(data, 0, img, 0, data.length);
        return img;
    }

    String reimage(String body) throws Exception {
        HttpResponse<String> r = rig.admin("POST", "/api/v1/machines/m1/reimage", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return FakeAgent.json(r).path("id").asText();
    }

    @Test
    void deploySucceedsThenPlanIsLocalAndRebootIsQueued() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of("lsblk"));
        byte[] img = image();
        try (LogCapture log = new LogCapture()) {
            String sha = rig.addImage("demo", img);
            String jobId = reimage("{\"image\":\"demo\",\"disk\":\"/dev/vda\",\"firstBoot\":{\"hostname\":\"web1\","
                    + "\"data\":{\"password\":\"" + SECRET + "\"}}}");
            assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY);

            FakeAgent agent = agent();
            String token = agent.bootToken();
            assertThat(agent.script).contains("kernel " + rig.base + "/files/deploy/vmlinuz initrd=initrd0 quiet "
                    + "pxe.runtime=" + rig.base + " pxe.token=" + token + " pxe.mac=52:54:00:12:34:56 console=ttyS0")
                    .contains("initrd --name initrd0 " + rig.base + "/files/deploy/initrd.img");
            HttpResponse<String> reg = agent.register(token);
            assertThat(reg.statusCode()).isEqualTo(200);
            assertThat(FakeAgent.json(reg).path("machine").asText()).isEqualTo("m1");
            assertThat(FakeAgent.json(reg).path("pollSeconds").asInt()).isEqualTo(25);
            assertThat(FakeAgent.json(reg).path("agentId").asText()).startsWith("a-");

            HttpResponse<String> next = agent.next(5);
            assertThat(next.statusCode()).isEqualTo(200);
            JsonNode job = FakeAgent.json(next);
            assertThat(job.path("id").asText()).isEqualTo(jobId);
            assertThat(job.path("type").asText()).isEqualTo("deploy-image");
            assertThat(job.path("image").path("url").asText()).isEqualTo(rig.base + "/images/" + sha);
            assertThat(job.path("image").path("sizeBytes").asLong()).isEqualTo(img.length);
            assertThat(job.path("image").path("blockMap")).hasSize(1);
            assertThat(job.path("target").path("device").asText()).isEqualTo("/dev/vda");
            assertThat(job.path("firstBoot").path("hostname").asText()).isEqualTo("web1");
            assertThat(job.path("firstBoot").path("runtimeUrl").asText()).isEqualTo(rig.base);
            assertThat(job.path("firstBoot").path("data").path("password").asText()).isEqualTo(SECRET);

            assertThat(agent.progress(jobId, img.length / 2, img.length).statusCode()).isEqualTo(204);
            JsonNode status = FakeAgent.json(rig.admin("GET", "/api/v1/jobs/" + jobId, null));
            assertThat(status.path("state").asText()).isEqualTo("running");
            assertThat(status.path("progress").path("percent").asInt()).isEqualTo(50);
            assertThat(status.path("events")).hasSize(2);
            assertThat(status.toString()).doesNotContain(SECRET);

            assertThat(agent.result(jobId, "succeeded", "written and verified").statusCode()).isEqualTo(204);
            assertThat(rig.plan()).isEqualTo(MachinePlan.Action.LOCAL);
            assertThat(agent.result(jobId, "succeeded", "again").statusCode()).isEqualTo(409);
            HttpResponse<String> reboot = agent.next(5);
            assertThat(FakeAgent.json(reboot).path("type").asText()).isEqualTo("reboot");
            assertThat(rig.send("GET", "/boot/52:54:00:12:34:56.ipxe", null).body()).contains("exit");

            List<String> phases = rig.deploy.events().list("m1").stream().map(Events.Event::phase).toList();
            assertThat(phases).containsSubsequence("planned", "netboot", "registered", "deploying", "verified",
                    "first-boot-written", "rebooting", "local");
            HttpResponse<String> events = rig.admin("GET", "/api/v1/events?machine=m1", null);
            assertThat(events.body()).contains("\"phase\":\"first-boot-written\"");
            assertThat(rig.admin("GET", "/api/v1/events?machine=nobody", null).body()).isEqualTo("[]");

            String logged = log.awaitContaining("event m1 local");
            assertThat(logged).contains("event m1 registered").doesNotContain(token)
                    .doesNotContain(agent.sessionToken).doesNotContain(DeployRig.ADMIN).doesNotContain(SECRET);
        }
    }

    /** An absolute http(s) readyUrl goes to the agent as given, and nowhere else (it carries a token). */
    @Test
    void readyUrlReachesTheAgentAndNoLogOrStatus() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        rig.addImage("demo", image());
        String ready = "http://10.231.70.1:8099/ready?token=ready-token-0815";
        try (LogCapture log = new LogCapture()) {
            String jobId = reimage("{\"image\":\"demo\",\"firstBoot\":{\"readyUrl\":\"" + ready + "\"}}");
            FakeAgent agent = agent();
            agent.register(agent.bootToken());
            JsonNode job = FakeAgent.json(agent.next(5));
            assertThat(job.path("id").asText()).isEqualTo(jobId);
            assertThat(job.path("firstBoot").path("readyUrl").asText()).isEqualTo(ready);
            assertThat(rig.admin("GET", "/api/v1/jobs/" + jobId, null).body()).doesNotContain("ready-token");
            assertThat(rig.admin("GET", "/api/v1/jobs", null).body()).doesNotContain("ready-token");
            agent.result(jobId, "succeeded", "ok");
            assertThat(log.awaitContaining("event m1 local")).doesNotContain("ready-token");
        }
        for (String bad : List.of("/api/v1/agent/ready?token=x", "ftp://h/x", "http://h/a b", "http:///x",
                "javascript:alert(1)", "http://h/\\\"x")) {
            HttpResponse<String> r = rig.admin("POST", "/api/v1/machines/m1/reimage",
                    "{\"image\":\"demo\",\"firstBoot\":{\"readyUrl\":\"" + bad + "\"}}");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).contains("firstBoot.readyUrl");
        }
    }

    @Test
    void failedDeployKeepsThePlanAtDeploy() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        rig.addImage("demo", image());
        String jobId = reimage("{\"image\":\"demo\"}");
        FakeAgent agent = agent();
        agent.register(agent.bootToken());
        JsonNode job = FakeAgent.json(agent.next(5));
        assertThat(job.path("target").path("rule").asText()).isEqualTo("smallest-fit");
        assertThat(agent.result(jobId, "failed", "sha256 mismatch after write; disk wiped").statusCode())
                .isEqualTo(204);
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY);
        JsonNode status = FakeAgent.json(rig.admin("GET", "/api/v1/jobs/" + jobId, null));
        assertThat(status.path("state").asText()).isEqualTo("failed");
        assertThat(status.path("message").asText()).contains("sha256 mismatch");
        Events.Event last = rig.deploy.events().list("m1").get(rig.deploy.events().list("m1").size() - 1);
        assertThat(last.phase()).isEqualTo("failed");
        assertThat(last.message()).contains("sha256 mismatch");
        assertThat(agent.next(0).statusCode()).isEqualTo(204); // no reboot queued
    }

    @Test
    void sessionsAndPlansSurviveARestart() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        rig.addImage("demo", image());
        FakeAgent agent = agent();
        reimage("{\"image\":\"demo\"}");
        agent.register(agent.bootToken());
        assertThat(FakeAgent.json(agent.next(5)).path("type").asText()).isEqualTo("deploy-image");

        rig.restart();
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY); // the config file said boot
        assertThat(rig.deploy.images().get("demo")).isPresent();
        // The agent's connections died with the old runtime; like the real agent it polls again on a new one.
        FakeAgent again = agent();
        again.sessionToken = agent.sessionToken;
        CompletableFuture<HttpResponse<String>> poll = again.nextAsync(10);
        Thread.sleep(200);
        assertThat(rig.admin("POST", "/api/v1/machines/m1/jobs", "{\"type\":\"poweroff\"}").statusCode())
                .isEqualTo(202);
        HttpResponse<String> r = poll.get(5, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(FakeAgent.json(r).path("type").asText()).isEqualTo("poweroff");
        assertThat(rig.admin("GET", "/api/v1/agents", null).body()).contains("\"machine\":\"m1\"")
                .contains("QEMU Virtual CPU").doesNotContain(agent.sessionToken);
    }

    @Test
    void fiftyParkedPollsDoNotBlockTheServer() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        rig.registry.put(rig.registry.get(DeployRig.MAC).orElseThrow().withAction(MachinePlan.Action.DEPLOY));
        FakeAgent agent = agent();
        agent.register(agent.bootToken());
        long t0 = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            polls.add(agent.nextAsync(2));
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (rig.deploy.jobs().parkedPolls() < 50 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(rig.deploy.jobs().parkedPolls()).isEqualTo(50);
        assertThat(rig.meters.get("pxe_jobs_parked_polls").gauge().value()).isEqualTo(50.0);
        long h0 = System.nanoTime();
        assertThat(rig.send("GET", "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(rig.admin("GET", "/api/v1/machines", null).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - h0) / 1_000_000).isLessThan(1000);
        assertThat(rig.admin("POST", "/api/v1/machines/m1/jobs", "{\"type\":\"reboot\"}").statusCode())
                .isEqualTo(202);
        int ok = 0;
        int none = 0;
        for (CompletableFuture<HttpResponse<String>> p : polls) {
            int s = p.get(10, TimeUnit.SECONDS).statusCode();
            ok += s == 200 ? 1 : 0;
            none += s == 204 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(1);
        assertThat(none).isEqualTo(49);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(1900L, 8000L);
    }

    @Test
    void adminApiChecksMachinesImagesDisksAndTheRunAllowList() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of("lsblk", "cat /proc/cmdline"));
        rig.addImage("demo", image());
        assertThat(rig.admin("POST", "/api/v1/machines/nope/reimage", "{\"image\":\"demo\"}").statusCode())
                .isEqualTo(404);
        assertThat(rig.admin("POST", "/api/v1/machines/m1/reimage", "{\"image\":\"other\"}").body())
                .contains("image: no image other");
        assertThat(rig.admin("POST", "/api/v1/machines/m1/reimage", "{\"image\":\"demo\",\"disk\":\"vda; reboot\"}")
                .statusCode()).isEqualTo(400);
        assertThat(rig.send("POST", "/api/v1/machines/m1/reimage", "{\"image\":\"demo\"}").statusCode())
                .isEqualTo(401);
        java.nio.file.Files.move(tmp.resolve("demo.img"), tmp.resolve("moved.img"));
        assertThat(rig.admin("POST", "/api/v1/machines/m1/reimage", "{\"image\":\"demo\"}").body())
                .contains("image: the file of demo is missing");
        java.nio.file.Files.move(tmp.resolve("moved.img"), tmp.resolve("demo.img"));
        HttpResponse<String> refused = rig.admin("POST", "/api/v1/machines/52:54:00:12:34:56/jobs",
                "{\"type\":\"run\",\"command\":[\"rm\",\"-rf\",\"/\"]}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("'rm' is not in agent.allowedCommands");
        assertThat(rig.admin("POST", "/api/v1/machines/m1/jobs",
                "{\"type\":\"run\",\"command\":[\"cat\",\"/etc/shadow\"]}").statusCode()).isEqualTo(403);
        HttpResponse<String> run = rig.admin("POST", "/api/v1/machines/m1/jobs",
                "{\"type\":\"run\",\"command\":[\"lsblk\",\"-J\"]}");
        assertThat(run.statusCode()).isEqualTo(202);
        assertThat(run.headers().firstValue("location")).hasValueSatisfying(l -> assertThat(l)
                .startsWith("/api/v1/jobs/j-"));
        assertThat(rig.admin("POST", "/api/v1/machines/m1/jobs", "{\"type\":\"wipe\",\"disk\":\"/dev/vda\"}")
                .statusCode()).isEqualTo(202);
        assertThat(rig.admin("POST", "/api/v1/machines/m1/jobs", "{\"type\":\"format-c\"}").statusCode())
                .isEqualTo(400);
        JsonNode jobs = FakeAgent.json(rig.admin("GET", "/api/v1/jobs", null));
        assertThat(jobs).hasSize(2);
        assertThat(jobs.get(0).path("detail").asText()).isEqualTo("lsblk -J");
        assertThat(jobs.get(1).path("type").asText()).isEqualTo("wipe");
        assertThat(rig.admin("GET", "/api/v1/jobs/j-nope", null).statusCode()).isEqualTo(404);
        JsonNode images = FakeAgent.json(rig.admin("GET", "/api/v1/images", null));
        assertThat(images.get(0).path("name").asText()).isEqualTo("demo");
        assertThat(rig.admin("POST", "/api/v1/images", "{\"name\":\"bad\",\"source\":\"/nonexistent\"}").statusCode())
                .isEqualTo(400);
    }
}
