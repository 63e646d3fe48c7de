package io.pxereimage.runtime.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.image.ImageImporter;
import io.pxereimage.runtime.net.MacAddress;

/** The reimage flow without HTTP: plan transitions, queued reboot, and a reimage asked while one runs. */
class DeployFlowTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    @TempDir
    Path dir;
    MachineRegistry registry;
    DeployServices deploy;
    ImageEntry image;

    @BeforeEach
    void setUp() throws Exception {
        registry = new MachineRegistry(List.of(MachinePlan.boot(MAC, "m1", new BootSpec("vmlinuz", null, null))),
                null);
        deploy = new DeployServices(dir, Clock.systemUTC(), registry, null, AgentSettings.defaults(),
                new SimpleMeterRegistry());
        Path file = dir.resolve("img");
        Files.write(file, new byte[] {1, 2, 3});
        image = deploy.importer().add(new ImageImporter.Request("demo", file.toString(), null, false, null));
    }

    @AfterEach
    void tearDown() {
        deploy.close();
    }

    JobRecord take() throws Exception {
        CompletableFuture<JobRecord> got = new CompletableFuture<>();
        deploy.jobs().poll(MAC, Duration.ofMillis(200), got::complete);
        return got.get(2, TimeUnit.SECONDS);
    }

    List<String> phases() {
        return deploy.events().list("m1").stream().map(Events.Event::phase).toList();
    }

    @Test
    void aNewerReimageSupersedesTheRunningOne() throws Exception {
        MachinePlan plan = registry.get(MAC).orElseThrow();
        JobRecord first = deploy.flow().reimage(plan, image, Job.Target.device("/dev/vda"), null);
        assertThat(take()).isSameAs(first);
        JobRecord second = deploy.flow().reimage(plan, image, Job.Target.device("/dev/vdb"), null);
        assertThat(deploy.jobs().finish(MAC, first.id(), JobResult.succeeded("done"))).isEmpty();
        assertThat(registry.get(MAC).orElseThrow().action()).isEqualTo(MachinePlan.Action.DEPLOY);
        assertThat(phases()).endsWith("superseded").doesNotContain("local");

        assertThat(take()).isSameAs(second);
        deploy.jobs().finish(MAC, second.id(), JobResult.succeeded("done"));
        assertThat(registry.get(MAC).orElseThrow().action()).isEqualTo(MachinePlan.Action.LOCAL);
        JobRecord reboot = take();
        assertThat(reboot.job()).isInstanceOf(Job.Reboot.class);
        assertThat(phases()).endsWith("verified", "first-boot-written", "rebooting", "local");
    }

    @Test
    void reimageCancelsUndeliveredJobsAndPersistsThePlan() throws Exception {
        MachinePlan plan = registry.get(MAC).orElseThrow();
        JobRecord wipe = deploy.jobs().enqueue(MAC, "m1", id -> new Job.Wipe(id, Job.Target.device("/dev/vda")));
        JobRecord d = deploy.flow().reimage(plan, image, new Job.Target(null, "smallest-fit"), null);
        assertThat(wipe.snapshot().state()).isEqualTo(JobRecord.State.FAILED);
        assertThat(wipe.snapshot().message()).contains("replaced by a new reimage");
        assertThat(take()).isSameAs(d);
        assertThat(Files.readString(dir.resolve("plans.json"))).contains("\"action\" : \"deploy\"");
    }
}
