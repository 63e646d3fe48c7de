package io.pxereimage.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.image.ImageImporter;
import io.pxereimage.runtime.multicast.MulticastSender;
import io.pxereimage.runtime.multicast.MulticastSessions;
import io.pxereimage.runtime.multicast.MulticastSettings;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.DeployRig;
import io.pxereimage.runtime.testing.FakeAgent;

/**
 * {@code pxe-runtime reimage m1 m2 m3 --image X --multicast [--wait]} against a runtime with a multicast section
 * (the sender is a stand-in: no network), and the CLI's refusals.
 */
class MulticastCliTest {
    static final List<MacAddress> MACS = List.of(MacAddress.parse("52:54:00:00:01:01"),
            MacAddress.parse("52:54:00:00:01:02"), MacAddress.parse("52:54:00:00:01:03"));
    @TempDir
    Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final List<AutoCloseable> open = new ArrayList<>();
    String base;
    Path tokenFile;
    DeployServices deploy;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    int cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", base, "--token-file", tokenFile.toString()));
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    }

    void start() throws Exception {
        List<MachinePlan> plans = new ArrayList<>();
        for (int i = 0; i < MACS.size(); i++) {
            plans.add(MachinePlan.boot(MACS.get(i), "m" + (i + 1), new BootSpec("vmlinuz", List.of(), "")));
        }
        MachineRegistry registry = new MachineRegistry(plans, null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        deploy = new DeployServices(tmp.resolve("data"), Clock.systemUTC(), registry, DeployRig.DEPLOY_ENV,
                AgentSettings.defaults(), meters);
        open.add(deploy);
        MulticastSettings settings = new MulticastSettings(
                (java.net.Inet4Address) InetAddress.getByName("239.255.80.1"), 7400, null, Duration.ofSeconds(5),
                0, 1, Duration.ofSeconds(30), Duration.ofSeconds(5), 10, 4);
        MulticastSessions sessions = new MulticastSessions(settings, NetworkInterface.getByName("lo"), deploy.flow(),
                deploy.jobs(), deploy.events(), deploy.images()::fileFor, Clock.systemUTC(),
                c -> {
                    // like a real sender, wait (up to 5 s) until every receiver is there
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (deploy.jobs().list().stream().anyMatch(j -> j.snapshot().state().name().equals("QUEUED"))
                            && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    return new MulticastSender.Report(1, 4 << 20, 2922, 0, 1_000_000_000L, c.tokens().keySet()
                            .stream().map(id -> new MulticastSender.ReceiverOutcome(id, 0, true, null)).toList(), 0, 0);
                }, meters);
        open.add(sessions);
        Files.createDirectories(tmp.resolve("files"));
        HttpServer server = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0)
                .withFilesRoot(tmp.resolve("files")).withLoaderDir(tmp.resolve("files")).withApiToken(DeployRig.ADMIN),
                registry, meters, deploy);
        open.add(server::close);
        base = "http://127.0.0.1:" + server.start();
        tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, DeployRig.ADMIN + "\n");
        Path img = tmp.resolve("demo.img");
        Files.write(img, new byte[4 << 20]);
        deploy.importer().add(new ImageImporter.Request("demo", img.toString(), null, false, null));
    }

    /** An agent of machine {@code i}: netboots, registers, takes its job, reports 50 % and 100 %, succeeds. */
    CompletableFuture<JsonNode> agent(int i) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                FakeAgent a = new FakeAgent(() -> base, MACS.get(i));
                long deadline = System.nanoTime() + 10_000_000_000L;
                String token = null;
                while (token == null && System.nanoTime() < deadline) {
                    try {
                        token = a.bootToken();
                    } catch (AssertionError notYetDeploy) {
                        Thread.sleep(50);
                    }
                }
                a.register(token);
                JsonNode job = FakeAgent.json(a.next(10));
                String id = job.path("id").asText();
                a.progress(id, 2 << 20, 4 << 20);
                a.progress(id, 4 << 20, 4 << 20);
                a.result(id, "succeeded", "written and verified");
                return job;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void threeMachinesOneSessionAndWait() throws Exception {
        start();
        List<CompletableFuture<JsonNode>> agents = List.of(agent(0), agent(1), agent(2));
        int code = cli("reimage", "m1", "m2", "m3", "--image", "demo", "--disk", "/dev/vda", "--multicast", "--wait",
                "--interval", "50");
        assertThat(code).as(out + "\n" + err).isZero();
        String text = out.toString();
        assertThat(text).containsPattern("multicast session mc-1-[0-9a-f]{4}: 3 machines with demo")
                .contains("reimage m1 with demo: job j-").contains("reimage m3 with demo: job j-")
                .containsPattern("\\(m2\\) succeeded: written and verified")
                .contains("all 3 jobs succeeded");
        List<Long> ids = new ArrayList<>();
        for (CompletableFuture<JsonNode> a : agents) {
            JsonNode m = a.get(10, TimeUnit.SECONDS).path("multicast");
            assertThat(m.path("controlGroup").asText()).isEqualTo("239.255.80.1");
            assertThat(m.path("controlPort").asInt()).isEqualTo(7400);
            assertThat(m.path("token").asText()).matches("[0-9a-f]{64}");
            ids.add(m.path("receiverId").asLong());
        }
        assertThat(ids).doesNotHaveDuplicates();
        // the tokens are secrets: never in the admin API's job views or the events
        assertThat(out.toString()).doesNotContain("token");
        out.getBuffer().setLength(0);
        assertThat(cli("jobs")).isZero();
        assertThat(out.toString()).doesNotContain("token");
        assertThat(deploy.events().list(null).toString()).doesNotContain(agents.get(0).get().path("multicast")
                .path("token").asText());
    }

    @Test
    void severalMachinesWithoutMulticastAreSeparateJobs() throws Exception {
        start();
        assertThat(cli("reimage", "m1", "m2", "--image", "demo", "--unicast")).as(err.toString()).isZero();
        assertThat(out.toString()).doesNotContain("multicast session").contains("reimage m1 with demo: job j-")
                .contains("reimage m2 with demo: job j-");
        FakeAgent a = new FakeAgent(() -> base, MACS.get(0));
        a.register(a.bootToken());
        JsonNode job = FakeAgent.json(a.next(2));
        assertThat(job.path("type").asText()).isEqualTo("deploy-image");
        assertThat(job.path("multicast").isMissingNode() || job.path("multicast").isNull()).as(job.toString()).isTrue();
    }

    @Test
    void refusals() throws Exception {
        start();
        assertThat(cli("reimage", "m1", "m2", "--image", "demo", "--multicast", "--unicast")).isEqualTo(1);
        assertThat(err.toString()).contains("--multicast and --unicast exclude each other");
        assertThat(cli("reimage", "m1", "m2", "--image", "demo", "--hostname", "h")).isEqualTo(1);
        assertThat(err.toString()).contains("--hostname: only with one machine");
        assertThat(cli("reimage", "m1", "nope", "--image", "demo", "--multicast")).isEqualTo(1);
        assertThat(err.toString()).contains("404 machines: no machine nope");
        assertThat(cli("reimage", "m1", "m1", "--image", "demo", "--multicast")).isEqualTo(1);
        assertThat(err.toString()).contains("m1 appears twice");
        assertThat(deploy.jobs().list()).as("nothing queued by a refused request").isEmpty();

        out.getBuffer().setLength(0);
        assertThat(cli("reimage", "--help")).isZero();
        assertThat(out.toString()).contains("MACHINE...").contains("--multicast").contains("--unicast")
                .contains("multicast.windowSeconds");
    }

    @Test
    void aRuntimeWithoutMulticastRefusesAnExplicitSession() throws Exception {
        DeployRig rig = new DeployRig(tmp.resolve("rig"), Clock.systemUTC(), List.of());
        open.add(rig);
        rig.addImage("demo", new byte[4096]);
        base = rig.base;
        tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, DeployRig.ADMIN + "\n");
        assertThat(cli("reimage", "m1", "--image", "demo", "--multicast")).isEqualTo(1);
        assertThat(err.toString()).contains("409 multicast: not configured");
        assertThat(rig.admin("GET", "/api/v1/multicast", null).statusCode()).isEqualTo(404);
    }
}
