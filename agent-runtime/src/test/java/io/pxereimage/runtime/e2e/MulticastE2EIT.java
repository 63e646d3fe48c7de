package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 6 end to end: three BIOS qemu machines with blank disks on one bridge are reimaged in ONE multicast session
 * ({@code reimage m1 m2 m3 --image demo --multicast --wait}): each netboots the deploy environment, its agent takes
 * its job (with {@code Job.Multicast}), registers with the runtime's sender, receives, writes and verifies the
 * image, writes its first-boot volume and reboots; the runtime answers {@code local}, SeaBIOS boots the disk and the
 * demo OS prints its marker and the first-boot data read from the disk. The image bytes must come by multicast, not
 * HTTP (no {@code /images/} request at all); if an agent fell back, its event says why and the test fails with it.
 */
class MulticastE2EIT {
    static final List<String> MACS = List.of("52:54:00:66:00:01", "52:54:00:66:00:02", "52:54:00:66:00:03");
    static final List<String> NAMES = List.of("mc-e2e-1", "mc-e2e-2", "mc-e2e-3");
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.multicast.timeout", 300));

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxn-", "10.231.102").withDeployAssets();

    @Test
    void threeMachinesReimagedInOneMulticastSessionBootTheirDisksWithFirstBootData() throws Exception {
        String url = "http://" + LAB.ip(1) + ":8080";
        String secret = "v" + LabFixture.randomHex(8); // must come back from each disk
        Path data = LAB.file("runtime-data");
        Path tokenFile = LAB.apiTokenFile();
        Path image = LAB.deployAssets.resolve("demo-disk.img");
        long imageSize = Files.size(image);
        String imageSha = DiskCheck.sha256(image, 0, imageSize, null);
        assertThat(Procs.read(LAB.addImageOffline("image-add.log", data, image))).contains(imageSha);
        List<Path> disks = new ArrayList<>();
        StringBuilder machines = new StringBuilder();
        for (int i = 0; i < MACS.size(); i++) {
            disks.add(LAB.blankDisk(NAMES.get(i) + "-disk.img"));
            machines.append("  - {mac: \"").append(MACS.get(i)).append("\", name: ").append(NAMES.get(i))
                    .append(", action: local}\n");
        }
        // windowSeconds 0: only the explicit session (no gathering). The cap keeps three TCG guests (on 2 host
        // cores) from drowning in repairs; phase timeout and waits are generous for the same reason.
        Path config = LAB.deployConfig("runtime.yaml", data, tokenFile, """
                agent: {pollSeconds: 10}
                multicast:
                  group: 239.255.102.1
                  windowSeconds: 0
                  rateMbps: %s
                  minRateMbps: 2
                  evictAfterSeconds: 30
                  maxWaitSeconds: 120
                  phaseTimeoutSeconds: 30
                  announceWaitSeconds: 30
                machines:
                """.formatted(System.getProperty("e2e.multicast.rateMbps", "8")) + machines);
        RuntimeProcess runtime = LAB.serve("runtime", config);
        try {
            run(url, secret, tokenFile, runtime, image, imageSize, imageSha, disks);
        } finally {
            runtime.stop();
        }
    }

    private void run(String url, String secret, Path tokenFile, RuntimeProcess runtime, Path image, long imageSize,
            String imageSha, List<Path> disks) throws Exception {
        Path cliLog = LAB.file("reimage.log");
        List<String> cli = new ArrayList<>(LAB.inNamespace("srv"));
        List<String> args = new ArrayList<>(List.of("reimage"));
        args.addAll(NAMES);
        args.addAll(List.of("--image", "demo", "--disk", "/dev/vda", "--multicast", "--data", "e2ekey=" + secret,
                "--wait", "--timeout", Long.toString(BOOT_TIMEOUT.toSeconds()), "--url", url, "--token-file",
                tokenFile.toString()));
        cli.addAll(RuntimeProcess.javaCommand(LAB, args.toArray(String[]::new)));
        Process reimage = LAB.track(Procs.start(cli, Map.of(), cliLog));
        assertThat(Procs.awaitText(cliLog, "multicast session", reimage, Duration.ofSeconds(60)))
                .as("multicast session created: %s", Procs.read(cliLog)).isTrue();

        // Three machines at once, one tap each on the lab bridge.
        String capture = "(udp and not net 224.0.0.0/4) or (tcp port 8080 and (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst)"
                + " != 0 or tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420 or tcp[((tcp[12]&0xf0)>>2):4] = 0x504f5354))";
        ExecutorService pool = Executors.newFixedThreadPool(MACS.size());
        List<Future<LabFixture.BootResult>> boots = new ArrayList<>();
        for (int i = 0; i < MACS.size(); i++) {
            int n = i;
            boots.add(pool.submit(() -> LAB.boot(NAMES.get(n), "bios", MACS.get(n), BOOT_TIMEOUT,
                    DeployE2EIT.OS_DONE, List.of("--tap", Integer.toString(n), "--disk", disks.get(n).toString(),
                            "--allow-reboot", "--mem", "512", "--smp", "1"),
                    List.of(capture), "Kernel panic", DeployE2EIT.FIRSTBOOT + "none",
                    "PXE-REIMAGE-DEPLOY-ENV: agent ended", "deploy-image failed:")));
        }
        pool.shutdown();
        List<LabFixture.BootResult> results = new ArrayList<>();
        for (Future<LabFixture.BootResult> f : boots) {
            results.add(f.get(BOOT_TIMEOUT.toSeconds() + 120, TimeUnit.SECONDS));
        }
        boolean cliDone = reimage.waitFor(30, TimeUnit.SECONDS);
        String cliOut = Procs.read(cliLog);

        LabApi api = new LabApi(LAB, url, tokenFile);
        JsonNode sessions = api.ok("GET", "/multicast", null);
        Files.writeString(LAB.file("multicast-sessions.json"), sessions.toPrettyString());
        String metrics = runtime.metrics();
        Files.writeString(LAB.file("metrics-end.txt"), metrics);
        StringBuilder report = new StringBuilder("multicast E2E (seconds since qemu start of each machine)\n");
        List<JsonNode> eventLists = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) {
            JsonNode events = api.ok("GET", "/events?machine=" + NAMES.get(i), null);
            eventLists.add(events);
            Files.writeString(LAB.file(NAMES.get(i) + "-events.json"), events.toPrettyString());
            report.append(summary(NAMES.get(i), results.get(i), events));
        }
        report.append("session: ").append(sessions).append('\n');
        Files.writeString(LAB.file("report.txt"), report);
        System.out.println(report);

        // Each machine: deployed, rebooted into its disk, first-boot data from the disk.
        for (int i = 0; i < NAMES.size(); i++) {
            LabFixture.BootResult b = results.get(i);
            String serial = b.serial();
            assertThat(b.markerSeen()).as("'%s' in %s (exit %s, dead end %s)", DeployE2EIT.OS_DONE, b.serialLog(),
                    b.exitCode(), b.deadEnd()).isTrue();
            assertThat(serial.indexOf(DeployE2EIT.DEPLOY_UP)).as("deploy environment came up")
                    .isGreaterThanOrEqualTo(0).isLessThan(serial.indexOf(DeployE2EIT.OS_MARKER));
            String name = NAMES.get(i);
            List<String> firstBoot = serial.lines().filter(l -> l.contains(DeployE2EIT.FIRSTBOOT)).toList();
            assertThat(firstBoot).as("first-boot lines of %s", name).anyMatch(l -> l.contains(secret))
                    .anyMatch(l -> l.contains(name));
        }
        assertThat(cliDone).as("reimage CLI ended: %s", cliOut).isTrue();
        assertThat(reimage.exitValue()).as("reimage exit code: %s", cliOut).isZero();
        assertThat(cliOut).containsPattern("multicast session mc-\\d+-[0-9a-f]{4}: 3 machines with demo")
                .contains("all 3 jobs succeeded");

        // One session, three receivers, each verified by the sender's handshake.
        assertThat(sessions.size()).as("sessions: %s", sessions).isEqualTo(1);
        JsonNode s = sessions.get(0);
        assertThat(s.path("state").asText()).as("session: %s", s).isEqualTo("done");
        assertThat(s.path("receivers").size()).isEqualTo(3);
        for (JsonNode r : s.path("receivers")) {
            assertThat(r.path("outcome").asText()).as("receiver %s (see report.txt and *-events.json in %s)", r,
                    LAB.work).isEqualTo("verified");
        }
        // The image came by multicast: no agent fell back, nobody fetched /images/ over HTTP.
        for (int i = 0; i < NAMES.size(); i++) {
            List<String> phases = new ArrayList<>();
            eventLists.get(i).forEach(e -> phases.add(e.path("phase").asText()));
            assertThat(phases).as("event phases of %s (%s-events.json)", NAMES.get(i), NAMES.get(i))
                    .containsSubsequence("multicast", "deploying", "verified", "first-boot-written", "rebooting",
                            "local")
                    .contains("multicast-receiver")
                    .doesNotContain("multicast-fallback", "multicast-failed", "failed");
            assertThat(eventLists.get(i).toString()).as("agent's own account (%s-events.json)", NAMES.get(i))
                    .containsPattern("image complete: " + imageSize + " bytes by multicast, 0 bytes by HTTP Range");
        }
        assertThat(RuntimeProcess.counter(metrics, "pxe_http_requests_total", "route=\"images\""))
                .as("image requests over HTTP").isZero();
        assertThat(RuntimeProcess.counter(metrics, "pxe_multicast_receivers_total", "outcome=\"verified\""))
                .isEqualTo(3);
        assertThat(RuntimeProcess.counter(metrics, "pxe_multicast_sessions_total", "result=\"done\"")).isEqualTo(1);
        assertThat(RuntimeProcess.counter(metrics, "pxe_multicast_image_bytes_total")).isEqualTo(imageSize);
        assertThat(Procs.read(runtime.log)).doesNotContain(secret);
        for (int i = 0; i < NAMES.size(); i++) {
            DiskCheck.check(disks.get(i), image, imageSize, imageSha, false);
        }
    }

    /** Milestones of one machine: serial lines and runtime events, in seconds since its qemu start. */
    private static String summary(String name, LabFixture.BootResult boot, JsonNode events) throws Exception {
        double t0 = Double.parseDouble(Procs.read(Path.of(boot.serialLog() + ".t0")).strip());
        StringBuilder sb = new StringBuilder("---- " + name + ": " + boot.summary() + "\n");
        for (String line : Procs.read(Path.of(boot.serialLog() + ".ts")).lines().toList()) {
            for (String m : List.of(DeployE2EIT.DEPLOY_UP, "pxe-agent: registered:", "multicast: waiting",
                    "image complete", DeployE2EIT.OS_MARKER)) {
                if (line.contains(m)) {
                    sb.append("  serial ").append(line.strip()).append('\n');
                }
            }
        }
        for (JsonNode e : events) {
            double t = java.time.Instant.parse(e.get("time").asText()).toEpochMilli() / 1000.0 - t0;
            String phase = e.get("phase").asText();
            if (phase.startsWith("multicast") || phase.equals("verified") || phase.equals("local")) {
                sb.append(String.format(Locale.ROOT, "  %7.1f event %s: %s%n", t, phase, e.get("message").asText()));
            }
        }
        return sb.toString();
    }
}
