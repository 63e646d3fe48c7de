package io.pxereimage.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.testing.DeployRig;
import io.pxereimage.runtime.testing.FakeAgent;

/** {@code pxe-runtime reimage --wait} and friends against a runtime, with a scripted agent on the other side. */
class ReimageCliTest {
    @TempDir
    Path tmp;
    DeployRig rig;
    Path tokenFile;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    int cli(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    void start() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, DeployRig.ADMIN + "\n");
        rig.addImage("demo", new byte[4 << 20]);
    }

    /** Waits for the DEPLOY plan, netboots, registers, takes the job, reports progress and {@code status}. */
    CompletableFuture<Void> agent(String status, String message) {
        return CompletableFuture.runAsync(() -> {
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (rig.plan() != MachinePlan.Action.DEPLOY && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                FakeAgent a = new FakeAgent(() -> rig.base, DeployRig.MAC);
                a.register(a.bootToken());
                JsonNode job = FakeAgent.json(a.next(10));
                String id = job.path("id").asText();
                long total = job.path("image").path("sizeBytes").asLong();
                for (int pct : new int[] {25, 50, 75, 100}) {
                    a.progress(id, total * pct / 100, total);
                    Thread.sleep(250);
                }
                HttpResponse<String> r = a.result(id, status, message);
                if (r.statusCode() != 204) {
                    throw new AssertionError("result: " + r.statusCode());
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void reimageWaitShowsProgressAndSucceeds() throws Exception {
        start();
        CompletableFuture<Void> agent = agent("succeeded", "written and verified");
        int code = cli("reimage", "m1", "--image", "demo", "--disk", "/dev/vda", "--wait", "--url", rig.base,
                "--token-file", tokenFile.toString(), "--interval", "50");
        agent.get(10, TimeUnit.SECONDS);
        assertThat(code).as(out + "\n" + err).isZero();
        String text = out.toString();
        assertThat(text).contains("job j-").contains("queued (plan: deploy)")
                .containsPattern("\\[#{7}\\.{23}\\]  25%   21\\.0 MB/s ETA 0:03")
                .contains(" 50% ").contains("] 100% ")
                .contains("succeeded: written and verified");
        // Plain lines (not a terminal): no carriage returns, one line per change.
        assertThat(text).doesNotContain("\r");
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.LOCAL);

        out.getBuffer().setLength(0);
        assertThat(cli("jobs", "--url", rig.base, "--token-file", tokenFile.toString())).isZero();
        assertThat(out.toString()).contains("deploy-image").contains("succeeded").contains("reboot");
        out.getBuffer().setLength(0);
        assertThat(cli("machines", "--url", rig.base, "--token-file", tokenFile.toString())).isZero();
        assertThat(out.toString()).containsPattern("m1\\s+52:54:00:12:34:56\\s+local");
    }

    @Test
    void reimageWaitExitsOneWithTheReason() throws Exception {
        start();
        CompletableFuture<Void> agent = agent("failed", "no disk of at least 4194304 bytes");
        int code = cli("reimage", "m1", "--image", "demo", "--wait", "--url", rig.base,
                "--token-file", tokenFile.toString(), "--interval", "50");
        agent.get(10, TimeUnit.SECONDS);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("failed: no disk of at least 4194304 bytes");
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY);
    }

    @Test
    void errorsFromTheRuntimeArePrinted() throws Exception {
        start();
        assertThat(cli("reimage", "m1", "--image", "nope", "--url", rig.base, "--token-file",
                tokenFile.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("404 image: no image nope");
        assertThat(cli("reimage", "m1", "--image", "demo", "--url", rig.base)).isEqualTo(1);
        assertThat(err.toString()).contains("401");
        assertThat(cli("jobs", "--url", "http://127.0.0.1:1")).isEqualTo(1);
        assertThat(err.toString()).contains("cannot connect");
    }

    @Test
    void imageAddAndListOnlineAndOffline() throws Exception {
        start();
        Path img = tmp.resolve("small.img");
        byte[] bytes = new byte[(2 << 20) + 5];
        bytes[(1 << 20) + 3] = 9;
        Files.write(img, bytes);
        assertThat(cli("image", "add", "small", img.toString(), "--block-map", "--url", rig.base,
                "--token-file", tokenFile.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("added small: sha256 ").contains((bytes.length) + " bytes raw, none, "
                + "1 used ranges");
        out.getBuffer().setLength(0);
        assertThat(cli("image", "list", "--url", rig.base, "--token-file", tokenFile.toString())).isZero();
        assertThat(out.toString()).contains("demo").contains("small");

        Path offline = tmp.resolve("offline");
        out.getBuffer().setLength(0);
        assertThat(cli("image", "add", "off", img.toString(), "--data-dir", offline.toString())).isZero();
        assertThat(out.toString()).contains("added off: sha256 ");
        assertThat(Files.readString(offline.resolve("images.json"))).contains("\"name\" : \"off\"");
    }
}
