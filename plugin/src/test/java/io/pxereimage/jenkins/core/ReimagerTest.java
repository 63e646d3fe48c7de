package io.pxereimage.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.image.ImageImporter;
import io.pxereimage.runtime.net.MacAddress;

/**
 * The shared logic of the {@code pxeReimage} step and the freestyle builder against a real embedded runtime with
 * two plain (non-pool) machines. A test thread plays each machine's deploy agent: it takes the deploy job from the
 * runtime's queue, reports progress and a message, and finishes it as scripted. The Reimager talks HTTP only.
 */
class ReimagerTest {
    static final MacAddress R1 = MacAddress.parse("52:54:00:ee:00:01");
    static final MacAddress R2 = MacAddress.parse("52:54:00:ee:00:02");

    @TempDir
    Path dir;
    EmbeddedRuntime runtime;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("files"));
        Files.createDirectories(dir.resolve("loaders"));
        String yaml = "deploy: {kernel: deploy-vmlinuz}\n"
                + "http: {filesRoot: '" + dir.resolve("files") + "'}\n"
                + "tftp: {root: '" + dir.resolve("loaders") + "'}\n"
                + "machines:\n"
                + "  - {mac: '" + R1 + "', name: r1, action: local}\n"
                + "  - {mac: '" + R2 + "', name: r2, action: local}\n";
        runtime = EmbeddedRuntime.start(dir.resolve("home"), new EmbeddedRuntime.Settings("127.0.0.1", null,
                "127.0.0.1", 0, 0, "off", null, null, yaml));
        Path image = dir.resolve("ubuntu.img");
        Files.write(image, new byte[1 << 16]);
        runtime.runtime().deploy().importer().add(new ImageImporter.Request("ubuntu-24.04", image.toString(), null,
                false, null));
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    Reimager reimager() {
        return new Reimager(runtime.client(), Duration.ofMillis(100), Duration.ofSeconds(30), Clock.systemUTC());
    }

    /** The machine's agent: takes its deploy job, reports two progress steps and a message, ends as given. */
    Thread agent(MacAddress mac, JobResult result) {
        Thread t = new Thread(() -> {
            var jobs = runtime.runtime().deploy().jobs();
            while (!Thread.currentThread().isInterrupted()) {
                AtomicReference<JobRecord> got = new AtomicReference<>();
                jobs.poll(mac, Duration.ofMillis(200), j -> {
                    if (j != null) {
                        got.set(j);
                    }
                    return true;
                });
                JobRecord j = got.get();
                if (j != null && j.job() instanceof Job.DeployImage) {
                    Instant now = Instant.now();
                    jobs.addEvents(mac, j.id(), List.of(AgentEvent.log(now, "writing ubuntu-24.04 to /dev/vda"),
                            AgentEvent.progress(now, 4L << 20, 8L << 20, 20L << 20, 1)));
                    sleep(300);
                    jobs.addEvents(mac, j.id(), List.of(AgentEvent.progress(now, 8L << 20, 8L << 20, 20L << 20, 0)));
                    sleep(300);
                    jobs.finish(mac, j.id(), result);
                    return;
                }
            }
        }, "agent-" + mac);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String log() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aJobCompletedByTheAgentSucceedsAndItsProgressIsInTheLog() throws Exception {
        agent(R1, JobResult.succeeded("image written, 8 MiB"));
        agent(R2, JobResult.succeeded("image written, 8 MiB"));

        List<Reimager.Result> results = reimager().reimage(List.of("r1", "r2"), "ubuntu-24.04", true, log);

        assertThat(results).extracting(Reimager.Result::machine).containsExactly("r1", "r2");
        assertThat(results).allMatch(Reimager.Result::succeeded);
        assertThat(log()).contains("pxeReimage: r1: job ", "ubuntu-24.04 -> smallest-fit",
                "pxeReimage: r1: writing ubuntu-24.04 to /dev/vda", "pxeReimage: r1: 50% (4.0 MiB of 8.0 MiB, 20.0 MiB/s",
                "pxeReimage: r1: 100%", "succeeded: image written, 8 MiB", "pxeReimage: r2: 100%",
                "pxeReimage: r1, r2 reimaged with ubuntu-24.04");
    }

    @Test
    void aFailedJobFailsWithTheAgentsReasonAfterTheOthersEnd() throws Exception {
        agent(R1, JobResult.failed("write /dev/vda: Input/output error"));
        agent(R2, JobResult.succeeded("image written"));

        assertThatThrownBy(() -> reimager().reimage(List.of("r1", "r2"), "ubuntu-24.04", true, log))
                .isInstanceOf(Reimager.ReimageException.class)
                .hasMessage("pxeReimage: 1 of 2 machines failed: r1: write /dev/vda: Input/output error")
                .satisfies(e -> assertThat(((Reimager.ReimageException) e).results())
                        .extracting(Reimager.Result::state).containsExactly("failed", "succeeded"));
        assertThat(log()).contains("pxeReimage: r1: job ", "failed: write /dev/vda: Input/output error",
                "pxeReimage: r2: 100%");
    }

    @Test
    void aMissingImageOrMachineFailsWithTheRuntimesReason() {
        assertThatThrownBy(() -> reimager().reimage(List.of("r1"), "no-such-image", true, log))
                .isInstanceOf(Reimager.ReimageException.class)
                .hasMessageContaining("r1: POST /api/v1/machines/r1/reimage: 404 image: no image no-such-image");
        assertThatThrownBy(() -> reimager().reimage(List.of("nope"), "ubuntu-24.04", false, log))
                .isInstanceOf(Reimager.ReimageException.class)
                .hasMessageContaining("nope: POST /api/v1/machines/nope/reimage: 404 machine: no machine nope");
        assertThatThrownBy(() -> reimager().reimage(List.of(), "ubuntu-24.04", true, log))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("machines:");
    }

    @Test
    void withoutWaitTheJobsAreOnlyQueued() throws Exception {
        List<Reimager.Result> results = reimager().reimage(List.of("r1"), "ubuntu-24.04", false, log);
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo("queued");
            assertThat(runtime.client().job(r.jobId())).get().extracting(RuntimeClient.DeployJob::state)
                    .isEqualTo("queued");
        });
        assertThat(log()).contains("pxeReimage: r1 queued for reimaging with ubuntu-24.04");
    }

    @Test
    void aJobThatNeverEndsTimesOut() {
        Reimager shortOne = new Reimager(runtime.client(), Duration.ofMillis(100), Duration.ofSeconds(1),
                Clock.systemUTC());
        assertThatThrownBy(() -> shortOne.reimage(List.of("r1"), "ubuntu-24.04", true, log))
                .isInstanceOf(Reimager.ReimageException.class)
                .hasMessageContaining("r1: did not finish within 1 s (job ");
    }
}
