package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/** Registration, polling, reconnects and the small job types, against a fake runtime on 127.0.0.1. */
class AgentLoopTest {
    @TempDir
    Path tmp;
    FakeRuntime rt;
    Thread agent;

    @AfterEach
    void tearDown() throws Exception {
        TestImages.stop(agent);
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void refusedBootTokenIsRetriedSlowlyAndTheAgentNeverProceeds() throws Exception {
        rt = new FakeRuntime("the-real-token", "52:54:00:12:34:56");
        agent = TestImages.start(TestImages.config(tmp, rt).token("a-wrong-token"));
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-1", List.of("true"))));
        Thread.sleep(1500);
        assertThat(rt.registrations.get()).as("retried").isBetween(3, 10); // every 200 ms in this test
        assertThat(rt.polls.get()).as("never polled without a session").isZero();
        assertThat(rt.results).isEmpty();
        assertThat(agent.isAlive()).isTrue();
    }

    @Test
    void wrongMacIsRefusedToo() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        agent = TestImages.start(TestImages.config(tmp, rt).mac("52:54:00:99:99:99"));
        Thread.sleep(700);
        assertThat(rt.registrations.get()).isGreaterThanOrEqualTo(2);
        assertThat(rt.polls.get()).isZero();
    }

    @Test
    void runtimeRestartIsSurvivedAndTheNextJobTaken() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        int port = rt.port();
        agent = TestImages.start(TestImages.config(tmp, rt));
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-before", List.of("echo", "before"))));
        assertThat(rt.awaitResult("j-before", 20_000).ok()).isTrue();
        var sessions = rt.sessions;
        rt.close();
        Thread.sleep(1500); // the agent's polls fail meanwhile and back off
        rt = new FakeRuntime(port, "tok", "52:54:00:12:34:56", sessions);
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-after", List.of("echo", "after"))));
        JobResult r = rt.awaitResult("j-after", 20_000);
        assertThat(r.ok()).isTrue();
        assertThat(rt.registrations.get()).as("the persisted session is still good").isZero();
        assertThat(rt.events("j-after")).anyMatch(e -> "stdout: after".equals(e.message()));
    }

    @Test
    void runStreamsOutputBatchedAtMostOncePerSecondAndFailsOnNonZeroExit() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        agent = TestImages.start(TestImages.config(tmp, rt));
        String script = "for i in 1 2 3 4 5 6; do echo line$i; echo err$i >&2; sleep 0.4; done; exit 3";
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-run", List.of("sh", "-c", script))));
        JobResult r = rt.awaitResult("j-run", 30_000);
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).contains("exit 3");
        List<String> out = rt.events("j-run").stream().map(AgentEvent::message)
                .filter(m -> m != null && m.startsWith("stdout: ")).toList();
        assertThat(out).containsExactly("stdout: line1", "stdout: line2", "stdout: line3", "stdout: line4",
                "stdout: line5", "stdout: line6");
        assertThat(rt.events("j-run")).anyMatch(e -> "stderr: err6".equals(e.message()));
        List<FakeRuntime.EventPost> posts = rt.eventPosts.stream().filter(p -> p.jobId().equals("j-run")).toList();
        assertThat(posts.size()).isGreaterThanOrEqualTo(2);
        for (int i = 1; i < posts.size(); i++) {
            assertThat(posts.get(i).atMillis() - posts.get(i - 1).atMillis()).as("<= 1 request/s").isGreaterThan(900);
        }
    }

    @Test
    void runIsBoundedInTime() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        agent = TestImages.start(TestImages.config(tmp, rt).runTimeout(java.time.Duration.ofMillis(500)));
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-slow", List.of("sleep", "30"))));
        JobResult r = rt.awaitResult("j-slow", 10_000);
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).contains("did not finish");
    }

    @Test
    void rebootReportsSuccessFirstThenRunsTheConfiguredCommand() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        Path marker = tmp.resolve("rebooted");
        // the "reboot" records whether the result had already reached the runtime when it ran
        Path check = tmp.resolve("reboot.sh");
        Files.writeString(check, "echo done > " + marker + "\n");
        agent = TestImages.start(TestImages.config(tmp, rt).rebootCommand(List.of("sh", check.toString())));
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Reboot("j-reboot")));
        JobResult r = rt.awaitResult("j-reboot", 10_000);
        assertThat(r.ok()).isTrue();
        for (int i = 0; i < 100 && !Files.exists(marker); i++) {
            Thread.sleep(50);
        }
        assertThat(marker).exists();
    }

    @Test
    void unknownJobTypeIsFailedByIdAndTheAgentCarriesOn() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        agent = TestImages.start(TestImages.config(tmp, rt));
        rt.jobs.add("{\"id\":\"j-x\",\"type\":\"format-the-moon\"}");
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-ok", List.of("true"))));
        assertThat(rt.awaitResult("j-x", 10_000).ok()).isFalse();
        assertThat(rt.awaitResult("j-ok", 10_000).ok()).isTrue();
    }

    @Test
    void wipeZeroesBothEndsOfTheDisk() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
        Path disk = TestImages.disk(tmp.resolve("dev/vdb"), 16L * TestImages.MIB, (byte) 0x77);
        agent = TestImages.start(TestImages.config(tmp, rt));
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Wipe("j-wipe", Job.Target.device(disk.toString()))));
        JobResult r = rt.awaitResult("j-wipe", 20_000);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(TestImages.allBytes(disk, 0, TestImages.MIB, (byte) 0)).isTrue();
        assertThat(TestImages.allBytes(disk, 15L * TestImages.MIB, TestImages.MIB, (byte) 0)).isTrue();
    }

    @Test
    void macComesFromTheNicWithLinkWhenTheCommandLineHasNone() throws Exception {
        rt = new FakeRuntime("tok", "52:54:00:ab:cd:ef");
        AgentConfig c = TestImages.config(tmp, rt).mac(null);
        FakeSysfs.nic(c.sysRoot, "eth0", "52:54:00:11:11:11", "down", null);
        FakeSysfs.nic(c.sysRoot, "eth1", "52:54:00:AB:CD:EF", "up", "1000");
        agent = TestImages.start(c);
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Run("j-mac", List.of("true"))));
        assertThat(rt.awaitResult("j-mac", 10_000).ok()).isTrue();
    }
}
