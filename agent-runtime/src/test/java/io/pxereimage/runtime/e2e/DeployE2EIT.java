package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.deploy.timeout", 300));

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe4-", "10.231.44").withDeployAssets();

    @Test
    void blankMachineIsDeployedRebootsAndBootsTheImageWithItsFirstBootData() throws Exception {
        String url = "http://" + LAB.ip(1) + ":8080";
        String secret = "v" + HexFormat.of().formatHex(random(8)); // must come back from the disk
        Path data = LAB.file("runtime-data");
        Path tokenFile = LAB.file("api-token");
        Files.writeString(tokenFile, HexFormat.of().formatHex(random(24)) + "\n");
        Path image = LAB.deployAssets.resolve("demo-disk.img");
        long imageSize = Files.size(image);
        String imageSha = sha256(image, 0, imageSize, null);
        Path disk = LAB.file("disk.img");
        Procs.runOk(List.of("truncate", "-s", "256M", disk.toString()), Map.of(), LAB.file("setup.log"),
                Duration.ofSeconds(10));

        // The image goes into the catalog offline, before the runtime starts (the runtime reads images.json).
        Procs.runOk(RuntimeProcess.javaCommand(LAB, "image", "add", "demo", image.toString(), "--data-dir",
                data.toString()), Map.of(), LAB.file("image-add.log"), Duration.ofSeconds(120));
        assertThat(Procs.read(LAB.file("image-add.log"))).contains(imageSha);

        Path config = LAB.file("runtime.yaml");
        Files.writeString(config, """
                interface: eth0
                dataDir: %s
                dhcp: {mode: dhcp}
                http:
                  port: 8080
                  filesRoot: %s
                  apiTokenFile: %s
                deploy:
                  kernel: deploy-vmlinuz
                  initrds: [deploy-initrd.img]
                  cmdline: pxe.onexit=poweroff
                agent: {pollSeconds: 10}
                machines:
                  - {mac: "%s", name: %s, action: local}
                """.formatted(data, LAB.deployAssets, tokenFile, MAC, MACHINE));
        RuntimeProcess runtime = LAB.serve("runtime", config);

        // The CLI asks for the reimage and follows the job until the agent reports the result.
        Path cliLog = LAB.file("reimage.log");
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
        LabFixture.BootResult boot = LAB.boot("deploy", "bios", MAC, BOOT_TIMEOUT, OS_DONE,
                List.of("--disk", disk.toString(), "--allow-reboot", "--mem", "512", "--smp",
                        System.getProperty("e2e.deploy.smp", "2")),
                List.of(capture), "Kernel panic", FIRSTBOOT + "none", "PXE-REIMAGE-DEPLOY-ENV: agent ended",
                "deploy-image failed:");

        boolean cliDone = reimage.waitFor(30, TimeUnit.SECONDS);
        String cliOut = Procs.read(cliLog);
        Path events = LAB.file("events.json");
        Procs.runOk(LAB.inNamespace("srv", "curl", "-sS", "--fail", "--max-time", "5", "-o", events.toString(),
                "-H", "Authorization: Bearer " + Files.readString(tokenFile).strip(),
                url + "/api/v1/events?machine=" + MACHINE), Map.of(), LAB.file("curl.log"), Duration.ofSeconds(15));
        JsonNode list = new ObjectMapper().readTree(events.toFile());
        String phaseTable = phases(boot, list, imageSize);
        Files.writeString(LAB.file("phases.txt"), phaseTable);
        System.out.println(phaseTable);

        String serial = boot.serial();
        assertThat(boot.markerSeen()).as("'%s' in %s (exit %s, dead end %s)", OS_DONE, boot.serialLog(),
                boot.exitCode(), boot.deadEnd()).isTrue();
        assertThat(serial.indexOf(DEPLOY_UP)).as("deploy environment came up").isGreaterThanOrEqualTo(0)
                .isLessThan(serial.indexOf(OS_MARKER));
        assertThat(serial).contains("pxe.token=").contains(OS_MARKER);
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

        checkDisk(disk, image, imageSize, imageSha);
    }

    /**
     * The disk holds the image byte for byte except the MBR's partition entry 2 (bytes 462-477): the agent's
     * {@code sfdisk --append} added the CIDATA partition there and changes nothing else in the image's range (the
     * demo image uses entry 1 only, entries 2-4 are zero). So: hash the disk's first imageSize bytes with entry 2
     * taken from the image and compare to the image's sha256; then check entry 2 itself (type 0x0c, starting on a
     * 1 MiB boundary at or after the image's end) and the FAT label CIDATA in that partition's boot sector.
     */
    private static void checkDisk(Path disk, Path image, long imageSize, String imageSha) throws Exception {
        byte[] imgMbr = head(image, 512);
        byte[] diskMbr = head(disk, 512);
        assertThat(sha256(disk, 0, imageSize, Arrays.copyOfRange(imgMbr, 462, 478)))
                .as("disk = image except MBR entry 2").isEqualTo(imageSha);
        byte[] entry = Arrays.copyOfRange(diskMbr, 462, 478);
        assertThat(entry[4] & 0xff).as("partition 2 type").isEqualTo(0x0c);
        long start = le32(entry, 8);
        long sectors = le32(entry, 12);
        assertThat(start * 512).as("CIDATA start").isGreaterThanOrEqualTo(imageSize);
        assertThat(start % 2048).as("CIDATA alignment").isZero();
        assertThat(sectors).isEqualTo(8192);
        try (var ch = java.nio.channels.FileChannel.open(disk)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(512);
            ch.read(b, start * 512);
            // FAT12/16 boot sector: volume label at 0x2b
            assertThat(new String(b.array(), 0x2b, 11, java.nio.charset.StandardCharsets.US_ASCII).strip())
                    .isEqualTo("CIDATA");
        }
    }

    /** "qemu start -> ..." from the serial log and the runtime's events, plus the image write rate. */
    private static String phases(LabFixture.BootResult boot, JsonNode events, long imageSize) throws IOException {
        Map<String, Double> t = new LinkedHashMap<>();
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
            sb.append(String.format(Locale.ROOT, "image write rate (agent, stream+hash+write): %.1f MiB in %.1f s ="
                    + " %.2f MiB/s%n", imageSize / 1048576.0, writeEnd - writeStart,
                    imageSize / 1048576.0 / (writeEnd - writeStart)));
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

    private static long le32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    private static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    /** sha256 of {@code file}'s first {@code length} bytes, with bytes 462-477 replaced by {@code entry2} if given. */
    private static String sha256(Path file, long from, long length, byte[] entry2) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            byte[] buf = new byte[1 << 20];
            long left = length;
            boolean firstBlock = true;
            while (left > 0) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
                if (n <= 0) {
                    throw new IOException(file + " is shorter than " + length + " bytes");
                }
                if (firstBlock && entry2 != null) {
                    System.arraycopy(entry2, 0, buf, 462, 16);
                }
                firstBlock = false;
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
