package io.pxereimage.runtime.agentit;

import static io.pxereimage.runtime.agentit.AgentProcess.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The real deploy agent (child JVM, shaded jar) against the real runtime ({@code PxeRuntime.fromConfig}), on
 * 127.0.0.1. The "disk" is a regular file under the agent's fake {@code /dev}; the target is always the
 * smallest-fit rule, so the agent only ever sees that file.
 *
 * <pre>
 * mvn -o -q -DskipTests install   # builds and shades deploy-agent
 * mvn -o -q -pl agent-runtime verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='RealAgent*IT'
 * </pre>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealAgentDeployIT {
    static final long DISK = 24L * MIB;
    static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(25);

    @TempDir
    Path tmp;
    AgentRig rig;

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireCommands("sfdisk", "mkfs.vfat", "mcopy");
        AgentProcess.jar();
    }

    @AfterEach
    void tearDown() {
        if (rig != null) {
            rig.close();
        }
    }

    /** {@code mib} MiB of random bytes with an MBR (one Linux partition from 1 MiB to the end), like the demo. */
    static Path demoImage(Path file, int mib, long seed) throws Exception {
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                r.nextBytes(buf);
                out.write(buf);
            }
        }
        Process p = new ProcessBuilder("sfdisk", "--no-reread", "--no-tell-kernel", "-q", file.toString())
                .redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("label: dos\nstart=2048, type=83\n".getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("sfdisk: " + out).isZero();
        return file;
    }

    static String sha256(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(MIB);
            long pos = 0;
            while (pos < length) {
                b.clear().limit((int) Math.min(MIB, length - pos));
                int n = ch.read(b, pos);
                if (n < 0) {
                    throw new IOException("short file " + file);
                }
                md.update(b.flip());
                pos += n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The disk holds the image byte for byte, except the MBR's unused partition slots 2-4 (bytes 462..509), where
     * the first-boot step appended the cidata partition.
     */
    static void assertImageRegion(Path disk, Path image) throws IOException {
        byte[] head = new byte[MIB];
        byte[] want = new byte[MIB];
        try (FileChannel d = FileChannel.open(disk); FileChannel i = FileChannel.open(image)) {
            d.read(ByteBuffer.wrap(head), 0);
            i.read(ByteBuffer.wrap(want), 0);
        }
        for (int k = 0; k < MIB; k++) {
            if (k < 462 || k >= 510) {
                assertThat(head[k]).as("byte %d of the disk", k).isEqualTo(want[k]);
            }
        }
        long size = Files.size(image);
        String rest = sha256Range(image, MIB, size - MIB);
        assertThat(sha256Range(disk, MIB, size - MIB)).as("bytes 1 MiB.. of the image region").isEqualTo(rest);
    }

    private static String sha256Range(Path file, long offset, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(MIB);
            for (long pos = offset; pos < offset + length;) {
                b.clear().limit((int) Math.min(MIB, offset + length - pos));
                int n = ch.read(b, pos);
                if (n < 0) {
                    throw new IOException("short file");
                }
                md.update(b.flip());
                pos += n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean allZero(Path file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(file)) {
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // fill
            }
        }
        for (int k = 0; k < length; k++) {
            if (b.get(k) != 0) {
                return false;
            }
        }
        return true;
    }

    static List<String> eventMessages(JsonNode job) {
        return java.util.stream.StreamSupport.stream(job.path("events").spliterator(), false)
                .map(e -> e.path("message").asText("")).toList();
    }

    @Test
    void imageIsWrittenVerifiedThenPlanIsLocalAndTheMachineReboots() throws Exception {
        rig = new AgentRig(tmp, "local", List.of());
        Path image = demoImage(tmp.resolve("demo.img"), 8, 1);
        String sha = rig.addImage("demo", image);
        assertThat(sha).isEqualTo(sha256(image, Files.size(image)));
        String jobId = rig.reimage("demo", "web1");
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY);
        String[] boot = rig.bootScript();
        assertThat(boot[0]).isEqualTo(rig.base);

        AgentProcess agent = rig.startAgent("machine", boot[0], boot[1], DISK);
        JsonNode job = rig.awaitJob(jobId, Set.of("succeeded", "failed"), DEPLOY_TIMEOUT);
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");

        assertImageRegion(agent.disk, image);
        String table = run("sfdisk", "-d", agent.disk.toString());
        assertThat(table).as("cidata partition appended after the image (8 MiB = sector 16384)")
                .containsPattern("start=\\s*16384, size=\\s*8192, type=c");
        String meta = run("mtype", "-i", agent.disk + "@@" + 16384L * 512, "::/meta-data");
        assertThat(meta).contains("instance-id: iid-pxe-" + jobId).contains("local-hostname: \"web1\"");

        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.LOCAL);
        assertThat(rig.phases()).containsSubsequence("planned", "netboot", "registered", "deploying", "verified",
                "first-boot-written", "rebooting", "local");
        assertThat(eventMessages(job)).anyMatch(m -> m.contains("image written, fsynced and verified"));

        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!Files.exists(agent.rebootMarker) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(agent.rebootMarker).as("reboot command ran\n" + agent.output()).exists();
        JsonNode reboot = rig.jobsOfMachine().stream().filter(j -> j.path("type").asText().equals("reboot"))
                .findFirst().orElseThrow();
        rig.awaitJob(reboot.path("id").asText(), Set.of("succeeded"), Duration.ofSeconds(5));
        assertThat(rig.counter("pxe_jobs_finished_total", "type", "deploy-image", "state", "succeeded"))
                .isEqualTo(1.0);
    }

    @Test
    void wrongSha256FailsTheDeployWipesTheDiskAndKeepsThePlan() throws Exception {
        rig = new AgentRig(tmp, "local", List.of());
        Path image = demoImage(tmp.resolve("demo.img"), 4, 2);
        long size = Files.size(image);
        // A catalog entry that lies about the file: the agent must catch it after writing.
        String good = sha256(image, size);
        String wrong = (good.charAt(0) == '0' ? "1" : "0") + good.substring(1);
        rig.runtime.deploy().images().put(new ImageEntry("liar", image.toString(), wrong, size, "none", size,
                List.of(), Instant.now()));
        String jobId = rig.reimage("liar", "web1");
        String[] boot = rig.bootScript();
        AgentProcess agent = rig.startAgent("machine", boot[0], boot[1], DISK);

        JsonNode job = rig.awaitJob(jobId, Set.of("succeeded", "failed"), DEPLOY_TIMEOUT);
        assertThat(job.path("state").asText()).isEqualTo("failed");
        assertThat(job.path("message").asText()).contains("sha256").contains(wrong);
        assertThat(allZero(agent.disk, 0, MIB)).as("first MiB zeroed").isTrue();
        assertThat(allZero(agent.disk, DISK - MIB, MIB)).as("last MiB zeroed").isTrue();
        assertThat(rig.plan()).isEqualTo(MachinePlan.Action.DEPLOY);
        assertThat(rig.phases()).contains("failed").doesNotContain("verified", "local", "rebooting");
        assertThat(rig.runtime.deploy().events().list("m1").stream().filter(e -> e.phase().equals("failed")))
                .anyMatch(e -> e.message().contains("sha256"));
        assertThat(rig.jobsOfMachine()).noneMatch(j -> j.path("type").asText().equals("reboot"));
        Thread.sleep(500);
        assertThat(agent.rebootMarker).doesNotExist();
    }

    @Test
    void cutTransferResumesWithRangeAndIsNotRestartedFromZero() throws Exception {
        rig = new AgentRig(tmp, "local", List.of());
        Path image = demoImage(tmp.resolve("demo.img"), 16, 3);
        long size = Files.size(image);
        long cutAfter = 5L * MIB;
        String sha = rig.addImage("demo", image);
        String jobId = rig.reimage("demo", "web1");
        String[] boot = rig.bootScript();
        try (CuttingProxy proxy = new CuttingProxy(rig.runtime.httpPort(), cutAfter)) {
            AgentProcess agent = rig.startAgent("machine", "http://127.0.0.1:" + proxy.port(), boot[1], DISK);
            JsonNode job = rig.awaitJob(jobId, Set.of("succeeded", "failed"), DEPLOY_TIMEOUT);
            assertThat(job.path("state").asText()).as(job + "\n" + agent.output()).isEqualTo("succeeded");
            assertThat(proxy.didCut()).isTrue();
            assertImageRegion(agent.disk, image);
            assertThat(eventMessages(job)).anyMatch(m -> m.matches("(?s)connection lost at byte \\d+ .*resuming.*"));

            // The runtime served the rest as a range starting where the cut left the agent, not at zero.
            String log = rig.awaitLog("HTTP file /images/" + sha + " range ");
            Matcher m = Pattern.compile("HTTP file /images/" + sha + " range (\\d+)-(\\d+)/(\\d+) ").matcher(log);
            assertThat(m.find()).as("a Range request for the image in the runtime log").isTrue();
            long from = Long.parseLong(m.group(1));
            assertThat(from).isGreaterThan(0).isLessThanOrEqualTo(cutAfter);
            assertThat(Long.parseLong(m.group(2))).isEqualTo(size - 1);
            assertThat(rig.counter("pxe.http.requests", "route", "images", "status", "206")).isEqualTo(1.0);
            assertThat(proxy.relayedBytes()).as("bytes through the proxy, both ways")
                    .isLessThan(size + cutAfter);
        }
    }

    static String run(String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
