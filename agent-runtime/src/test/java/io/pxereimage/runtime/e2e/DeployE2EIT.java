package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.testing.PrometheusText;

/**
 * Issue 3 end to end: a BIOS qemu machine with a blank virtio disk network-boots the deploy environment from the
 * runtime ({@code serve --config}, DHCP mode), its agent registers with the boot token, writes and verifies the demo
 * image, writes the first-boot volume and reboots; in the same qemu the runtime now answers {@code local}, iPXE exits,
 * SeaBIOS boots the disk and the demo OS prints its marker and the first-boot data read from the disk.
 */
class DeployE2EIT {
    static final String MAC = "52:54:00:44:00:01";
    static final String MACHINE = "e2e-deploy";
    static final String HOSTNAME = "e2e-host";
    static final String DEPLOY_UP = "PXE-REIMAGE-DEPLOY-ENV: up";
    static final String OS_MARKER = "PXE-REIMAGE-OS: booted from disk";
    static final String FIRSTBOOT = "PXE-REIMAGE-FIRSTBOOT: ";
    /** Printed after every first-boot line: waiting for the first FIRSTBOOT line would stop qemu before the data. */
    static final String OS_DONE = "PXE-REIMAGE-OS: done";
    static final List<String> PHASES = List.of("netboot", "registered", "deploying", "verified",
            "first-boot-written", "rebooting", "local");
    /** Serial milestones for the phase table, in boot order (agent lines carry "pxe-agent: "). */
    static final List<String> MILESTONES = List.of(DEPLOY_UP, "pxe-agent: registering with",
            "pxe-agent: registered:", "] deploying image", "] wrote ", "] image written, fsynced and verified",
            "] first-boot volume CIDATA", "pxe-agent: running reboot", "Booting from Hard Disk", OS_MARKER, OS_DONE);
    static final java.util.regex.Pattern WROTE = java.util.regex.Pattern.compile("\\] wrote (\\d+) ");
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.deploy.timeout", 300));

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe4-", "10.231.44").withDeployAssets();

    @Test
    void blankMachineIsDeployedRebootsAndBootsTheImageWithItsFirstBootData() throws Exception {
        deploy("stream", MAC, false, false);
    }

    /**
     * The same with a block map ({@code image add --block-map}: the agent fetches and writes only the used 1 MiB
     * ranges) onto a disk full of old data (0xA5): the used ranges must hold the image, the OS must boot.
     */
    @Test
    void usedDiskIsDeployedWithABlockMap() throws Exception {
        deploy("blockmap", "52:54:00:44:00:02", true, true);
    }

    private void deploy(String name, String mac, boolean blockMap, boolean dirty) throws Exception {
        String url = "http://" + LAB.ip(1) + ":8080";
        String secret = "v" + LabFixture.randomHex(8); // must come back from the disk
        Path data = LAB.file(name + "-runtime-data");
        Path tokenFile = LAB.apiTokenFile();
        Path image = LAB.deployAssets.resolve("demo-disk.img");
        long imageSize = Files.size(image);
        String imageSha = DiskCheck.sha256(image, 0, imageSize, null);
        Path disk = LAB.blankDisk(name + "-disk.img");
        if (dirty) {
            byte[] old = new byte[1 << 20];
            Arrays.fill(old, (byte) 0xa5);
            try (var ch = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
                for (long off = 0; off < 48L << 20; off += old.length) {
                    ch.write(java.nio.ByteBuffer.wrap(old), off);
                }
            }
        }

        Path added = LAB.addImageOffline(name + "-image-add.log", data, image,
                blockMap ? new String[] {"--block-map"} : new String[0]);
        assertThat(Procs.read(added)).contains(imageSha);

        Path config = LAB.deployConfig(name + "-runtime.yaml", data, tokenFile, """
                agent: {pollSeconds: 10}
                machines:
                  - {mac: "%s", name: %s, action: local}
                """.formatted(mac, MACHINE));
        RuntimeProcess runtime = LAB.serve(name + "-runtime", config);
        try {
            deploy(name, mac, blockMap, url, secret, tokenFile, runtime, image, imageSize, imageSha, disk);
        } finally {
            runtime.stop(); // frees ports 67/8080 for the next test
        }
    }

    private void deploy(String name, String mac, boolean blockMap, String url, String secret, Path tokenFile,
            RuntimeProcess runtime, Path image, long imageSize, String imageSha, Path disk) throws Exception {

        // The CLI asks for the reimage and follows the job until the agent reports the result.
        Path cliLog = LAB.file(name + "-reimage.log");
        List<String> cli = new ArrayList<>(LAB.inNamespace("srv"));
        cli.addAll(RuntimeProcess.javaCommand(LAB, "reimage", MACHINE, "--image", "demo", "--disk", "/dev/vda",
                "--hostname", HOSTNAME, "--data", "e2ekey=" + secret, "--wait",
                "--timeout", Long.toString(BOOT_TIMEOUT.toSeconds()), "--url", url, "--token-file",
                tokenFile.toString()));
        Process reimage = LAB.track(Procs.start(cli, Map.of(), cliLog));
        assertThat(Procs.awaitText(cliLog, "queued", reimage, Duration.ofSeconds(60)))
                .as("reimage job queued: %s", Procs.read(cliLog)).isTrue();

        String capture = "udp or icmp6 or (tcp port 8080 and (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0"
                + " or tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420 or tcp[((tcp[12]&0xf0)>>2):4] = 0x504f5354))";
        LabFixture.BootResult boot = LAB.boot(name, "bios", mac, BOOT_TIMEOUT, OS_DONE,
                // 1 vCPU: with 2 (multi-threaded TCG) the agent's JVM once died of SIGILL in freshly JIT-compiled
                // code (SHA2.implCompress, C1) in 1 of ~13 deploys; 2 vCPUs write ~2x faster (-De2e.deploy.smp=2)
                List.of("--disk", disk.toString(), "--allow-reboot", "--mem", "512", "--smp",
                        System.getProperty("e2e.deploy.smp", "1")),
                List.of(capture), "Kernel panic", FIRSTBOOT + "none", "PXE-REIMAGE-DEPLOY-ENV: agent ended",
                "deploy-image failed:");

        boolean cliDone = reimage.waitFor(30, TimeUnit.SECONDS);
        String cliOut = Procs.read(cliLog);
        Path events = LAB.file(name + "-events.json");
        Procs.runOk(LAB.inNamespace("srv", "curl", "-sS", "--fail", "--max-time", "5", "-o", events.toString(),
                "-H", "Authorization: Bearer " + Files.readString(tokenFile).strip(),
                url + "/api/v1/events?machine=" + MACHINE), Map.of(), LAB.file("curl.log"), Duration.ofSeconds(15));
        JsonNode list = new ObjectMapper().readTree(events.toFile());
        String phaseTable = phases(boot, list, imageSize);
        Files.writeString(LAB.file(name + "-phases.txt"), phaseTable);
        System.out.println(phaseTable);

        String serial = boot.serial();
        assertThat(boot.markerSeen()).as("'%s' in %s (exit %s, dead end %s)", OS_DONE, boot.serialLog(),
                boot.exitCode(), boot.deadEnd()).isTrue();
        assertThat(serial.indexOf(DEPLOY_UP)).as("deploy environment came up").isGreaterThanOrEqualTo(0)
                .isLessThan(serial.indexOf(OS_MARKER));
        assertThat(serial).contains("pxe.token=").contains(OS_MARKER);
        // java's stdout and stderr are both the console: the agent must print each line once
        assertThat(serial.lines().filter(l -> l.contains("pxe-agent: registering with")).count()).isEqualTo(1);
        List<String> firstBoot = serial.lines().filter(l -> l.contains(FIRSTBOOT)).toList();
        assertThat(firstBoot).as("first-boot lines").anyMatch(l -> l.contains(secret))
                .anyMatch(l -> l.contains(HOSTNAME)).anyMatch(l -> l.contains(url));

        assertThat(cliDone).as("reimage CLI ended: %s", cliOut).isTrue();
        assertThat(reimage.exitValue()).as("reimage exit code: %s", cliOut).isZero();
        assertThat(cliOut).contains("running").containsPattern("\\d+%").contains("succeeded");

        // The event log: each phase, in this order, with timestamps that never go backwards.
        List<String> seen = new ArrayList<>();
        Instant last = Instant.EPOCH;
        for (JsonNode e : list) {
            Instant t = Instant.parse(e.get("time").asText());
            assertThat(t).as("event time order: %s", e).isAfterOrEqualTo(last);
            last = t;
            assertThat(e.get("machine").asText()).isEqualTo(MACHINE);
            seen.add(e.get("phase").asText());
        }
        assertThat(seen).as("phases in %s", events).containsSubsequence(PHASES).doesNotContain("failed");
        assertThat(runtime.lines("event " + MACHINE + " local: ")).hasSize(1);
        // iPXE's second request (after the reboot) got the local plan, not a new deploy token
        assertThat(seen.stream().filter("netboot"::equals).count()).as("deploy scripts served").isEqualTo(1);
        assertThat(Procs.read(runtime.log)).doesNotContain(secret);

        DiskCheck.check(disk, image, imageSize, imageSha, blockMap);
        assertDeployCounted(runtime, url);
    }

    /**
     * The deploy as Prometheus sees it: two BIOS boots (the deploy environment, then the installed OS through the
     * local plan); the first registered its agent and got imaged; one successful deploy job with its duration.
     */
    private static void assertDeployCounted(RuntimeProcess runtime, String url) throws Exception {
        PrometheusText m = LAB.scrape(url);
        assertThat(m.sum("pxe_boots_total", Map.of("arch", "bios"))).as("BIOS boots").isEqualTo(2);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "script"))).isEqualTo(2);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "agent"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "imaged"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phase_seconds_count", Map.of("phase", "imaged"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phase_seconds_sum", Map.of("phase", "imaged")))
                .as("first offer -> image verified, s").isGreaterThan(m.sum("pxe_boot_phase_seconds_sum",
                        Map.of("phase", "agent")));
        assertThat(m.sum("pxe_deploy_duration_seconds_count", Map.of("outcome", "succeeded"))).isEqualTo(1);
        assertThat(m.sum("pxe_deploy_bytes_total")).isPositive();
        assertThat(m.sum("pxe_jobs_finished_total", Map.of("type", "deploy-image", "state", "succeeded")))
                .isEqualTo(1);
        assertThat(m.sum("pxe_agent_registrations_total", Map.of("outcome", "ok"))).isEqualTo(1);
    }

    /** "qemu start -> ..." from the serial log and the runtime's events, plus the image write rate. */
    private static String phases(LabFixture.BootResult boot, JsonNode events, long imageSize) throws IOException {
        Map<String, Double> t = new LinkedHashMap<>();
        long written = 0; // the agent's "wrote N [mapped] bytes": all of the image, or the mapped ranges
        double t0 = Double.parseDouble(Procs.read(Path.of(boot.serialLog() + ".t0")).strip());
        for (String line : Procs.read(Path.of(boot.serialLog() + ".ts")).lines().toList()) {
            int sp = line.indexOf(' ');
            if (sp < 0) {
                continue;
            }
            double s = Double.parseDouble(line.substring(0, sp));
            for (String m : MILESTONES) {
                if (line.contains(m)) {
                    t.putIfAbsent("serial: " + m, s);
                }
            }
            java.util.regex.Matcher w = WROTE.matcher(line);
            if (written == 0 && w.find()) {
                written = Long.parseLong(w.group(1));
            }
        }
        Double writeStart = t.get("serial: ] deploying image");
        Double writeEnd = t.get("serial: ] wrote ");
        Double firstDeploying = null;
        for (JsonNode e : events) {
            double s = Instant.parse(e.get("time").asText()).toEpochMilli() / 1000.0 - t0;
            String phase = e.get("phase").asText();
            t.putIfAbsent("event: " + phase, s);
            if (phase.equals("deploying") && firstDeploying == null) {
                firstDeploying = s;
            }
        }
        StringBuilder sb = new StringBuilder("phase (seconds since qemu start)\n");
        t.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> sb.append(String.format(Locale.ROOT, "%8.1f  %s%n", e.getValue(), e.getKey())));
        if (writeStart != null && writeEnd != null && writeEnd > writeStart) {
            // agent: "deploying image" -> "wrote N bytes" = fetch + write (+ hash) of the whole image, no fsync
            sb.append(String.format(Locale.ROOT, "image write rate (agent, fetch+hash+write): %.1f of %.1f MiB in %.1f s"
                    + " = %.2f MiB/s%n", written / 1048576.0, imageSize / 1048576.0, writeEnd - writeStart,
                    written / 1048576.0 / (writeEnd - writeStart)));
        }
        Double verified = t.get("event: verified");
        if (firstDeploying != null && verified != null && verified > firstDeploying) {
            sb.append(String.format(Locale.ROOT, "job delivered -> result (write, fsync, first-boot volume, result"
                    + " post): %.1f s%n", verified - firstDeploying));
        }
        for (JsonNode e : events) {
            if (e.get("phase").asText().equals("deploying")) {
                sb.append("  ").append(e.get("time").asText()).append(' ').append(e.get("message").asText())
                        .append('\n');
            }
        }
        return sb.toString();
    }
}
