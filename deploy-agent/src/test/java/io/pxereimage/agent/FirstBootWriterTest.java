package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.Job;

/**
 * The first-boot volume on a real partitioned disk file, read back with the real tools (sfdisk, mtools, blkid).
 * Needs {@code fdisk dosfstools mtools}: skipped without them, failed under CI=true.
 */
class FirstBootWriterTest {
    static final long MIB = TestImages.MIB;

    @TempDir
    Path tmp;

    final Job.FirstBoot fb = new Job.FirstBoot("rack1-07", "http://10.231.60.1:8080", null,
            Map.of("jenkinsSecret", "s3cr3t-value", "agentName", "rack1-07"));

    private Path partitionedDisk(String label) throws Exception {
        Prereqs.requireCommands("sfdisk", "mkfs.vfat", "mcopy", "mdir", "mtype", "blkid");
        Path disk = TestImages.disk(tmp.resolve("disk.img"), 64 * MIB, (byte) 0);
        // the "image": one 10 MiB partition starting at 1 MiB, image size 11 MiB + a bit
        String table = label.equals("gpt") ? "label: gpt\nstart=2048, size=20480, type=L\n"
                : "label: dos\nstart=2048, size=20480, type=83, bootable\n";
        Commands.Result r = Commands.capture(List.of("sfdisk", disk.toString()), table,
                java.time.Duration.ofSeconds(30), null);
        assertThat(r.ok()).as(r.stderr()).isTrue();
        return disk;
    }

    private long write(Path disk, long imageSize) throws Exception {
        AgentConfig c = new AgentConfig().workDir(tmp);
        List<String> log = new ArrayList<>();
        long offset = new FirstBootWriter(c, log::add).write(disk, Files.size(disk), imageSize, fb, "j-42");
        assertThat(String.join("\n", log)).contains("jenkinsSecret").doesNotContain("s3cr3t-value");
        return offset;
    }

    @Test
    void mbrImageGetsACidataPartitionWithTheThreeFiles() throws Exception {
        Path disk = partitionedDisk("dos");
        long offset = write(disk, 11 * MIB + 100);
        assertThat(offset).isEqualTo(12 * MIB); // after the image, aligned to 1 MiB

        String dump = TestImages.run("sfdisk", "-d", disk.toString());
        assertThat(dump).contains("label: dos");
        assertThat(dump).containsPattern("start=\\s*2048, size=\\s*20480, type=83, bootable");
        assertThat(dump).containsPattern("start=\\s*24576, size=\\s*8192, type=c");

        String where = disk + "@@" + offset;
        assertThat(TestImages.run("blkid", "-p", "-O", String.valueOf(offset), disk.toString()))
                .contains("LABEL=\"CIDATA\"").contains("TYPE=\"vfat\"");
        assertThat(mtools("mdir", "-b", "-i", where, "::/")).contains("meta-data", "user-data", "pxe-reimage.json");
        assertThat(mtools("mtype", "-i", where, "::/meta-data"))
                .isEqualTo("instance-id: iid-pxe-j-42\nlocal-hostname: \"rack1-07\"\n");
        String userData = mtools("mtype", "-i", where, "::/user-data");
        assertThat(userData).startsWith("#cloud-config\n").contains("hostname: \"rack1-07\"")
                .contains("permissions: '0600'").contains("owner: root:root").doesNotContain("s3cr3t-value");
        String b64 = userData.replaceAll("(?s).*content: (\\S+).*", "$1");
        JsonNode fromUserData = Json.MAPPER.readTree(Base64.getDecoder().decode(b64));
        JsonNode json = Json.MAPPER.readTree(mtools("mtype", "-i", where, "::/pxe-reimage.json"));
        assertThat(json).isEqualTo(fromUserData);
        assertThat(json.path("hostname").asText()).isEqualTo("rack1-07");
        assertThat(json.path("runtimeUrl").asText()).isEqualTo("http://10.231.60.1:8080");
        assertThat(json.path("data").path("jenkinsSecret").asText()).isEqualTo("s3cr3t-value");
    }

    /** mkfs.fat picks FAT32 on its own for volumes at offsets >= 512 MiB, which a 4 MiB volume cannot be. */
    @Test
    void volumeBehindALargeImageIsStillFat12() throws Exception {
        Prereqs.requireCommands("sfdisk", "mkfs.vfat", "mcopy", "mtype", "blkid");
        long imageSize = 2048 * MIB; // a sparse file: only the table and the volume are written
        Path disk = TestImages.disk(tmp.resolve("big.img"), imageSize + 8 * MIB, (byte) 0);
        Commands.Result r = Commands.capture(List.of("sfdisk", disk.toString()), "label: dos\nstart=2048, type=83, size="
                + (imageSize / 512 - 2048) + "\n", java.time.Duration.ofSeconds(30), null);
        assertThat(r.ok()).as(r.stderr()).isTrue();
        long offset = write(disk, imageSize);
        assertThat(offset).isEqualTo(imageSize);
        assertThat(TestImages.run("blkid", "-p", "-O", String.valueOf(offset), disk.toString()))
                .contains("LABEL=\"CIDATA\"").contains("TYPE=\"vfat\"").contains("VERSION=\"FAT12\"");
        assertThat(mtools("mtype", "-i", disk + "@@" + offset, "::/meta-data")).contains("iid-pxe-j-42");
    }

    @Test
    void gptImageGetsABasicDataPartitionAndAFixedBackupTable() throws Exception {
        Path disk = partitionedDisk("gpt");
        // shrink the picture to an 11 MiB "image" whose backup GPT sits at its own end: write it into a bigger disk
        Path image = tmp.resolve("gpt.img");
        TestImages.disk(image, 12 * MIB, (byte) 0);
        Commands.capture(List.of("sfdisk", image.toString()), "label: gpt\nstart=2048, size=20480, type=L\n",
                java.time.Duration.ofSeconds(30), null);
        try (var in = java.nio.channels.FileChannel.open(image);
                var out = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
            in.transferTo(0, in.size(), out);
        }
        long offset = write(disk, 12 * MIB);
        String dump = TestImages.run("sfdisk", "-d", disk.toString());
        assertThat(dump).contains("label: gpt").containsPattern("last-lba: 131038");
        assertThat(dump).containsPattern("start=\\s*" + offset / 512 + ", size=\\s*8192, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7.*name=\"cidata\"");
        Commands.Result verify = Commands.capture(List.of("sfdisk", "--verify", disk.toString()), null,
                java.time.Duration.ofSeconds(30), null);
        assertThat(verify.stdout() + verify.stderr()).doesNotContainIgnoringCase("backup");
        assertThat(mtools("mtype", "-i", disk + "@@" + offset, "::/meta-data")).contains("local-hostname");
    }

    @Test
    void fullMbrTableAndBadHostnameAreRefused() throws Exception {
        Path disk = partitionedDisk("dos");
        Commands.capture(List.of("sfdisk", disk.toString()), "label: dos\nsize=2048\nsize=2048\nsize=2048\nsize=2048\n",
                java.time.Duration.ofSeconds(30), null);
        assertThatThrownBy(() -> write(disk, 5 * MIB)).hasMessageContaining("already has 4 partitions");
        AgentConfig c = new AgentConfig().workDir(tmp);
        assertThatThrownBy(() -> new FirstBootWriter(c, s -> { }).write(disk, 64 * MIB, MIB,
                new Job.FirstBoot("bad host; rm -rf /", "u", null, Map.of()), "j")).hasMessageContaining("hostname");
    }

    @Test
    void deployWithFirstBootThroughTheAgent() throws Exception {
        Prereqs.requireCommands("sfdisk", "mkfs.vfat", "mcopy", "mtype");
        Path image = partitionedDisk("dos"); // 64 MiB file with an MBR: use its first 12 MiB as the image
        Path raw = tmp.resolve("raw.img");
        try (var in = java.nio.channels.FileChannel.open(image);
                var out = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE)) {
            in.transferTo(0, 12 * MIB, out);
        }
        try (FakeRuntime rt = new FakeRuntime("tok", "52:54:00:12:34:56")) {
            rt.images.put("mbr", raw);
            Path target = TestImages.disk(tmp.resolve("dev/vda"), 48 * MIB, (byte) 0x5a);
            Thread agent = TestImages.start(TestImages.config(tmp, rt));
            try {
                Job job = new Job.DeployImage("j-fb", new Job.ImageRef("mbr", rt.url() + "/images/mbr",
                        TestImages.sha256(raw), 12 * MIB, "none", null), Job.Target.device(target.toString()), fb);
                rt.jobs.add(Json.MAPPER.writeValueAsString(job));
                var r = rt.awaitResult("j-fb", 60_000);
                assertThat(r.ok()).as(r.message()).isTrue();
                assertThat(TestImages.run("sfdisk", "-d", target.toString())).containsPattern("start=\\s*24576, size=\\s*8192, type=c");
                assertThat(mtools("mtype", "-i", target + "@@" + 12 * MIB, "::/meta-data")).contains("iid-pxe-j-fb");
                assertThat(rt.events("j-fb")).noneMatch(e -> e.message() != null && e.message().contains("s3cr3t"));
            } finally {
                TestImages.stop(agent);
            }
        }
    }

    static final String READY = "http://10.231.44.1:8080/api/v1/agent/ready?token=t0k-3n_SECRET";

    @Test
    void readyUrlGoesToTheJsonAndToCloudInitsPhoneHome() throws Exception {
        Job.FirstBoot ready = new Job.FirstBoot("rack1-07", "http://10.231.44.1:8080", READY, Map.of("k", "v"));
        Map<String, String> files = FirstBootWriter.files(ready, "j-42");
        assertThat(files.get("pxe-reimage.json")).isEqualTo("""
                {
                  "hostname" : "rack1-07",
                  "runtimeUrl" : "http://10.231.44.1:8080",
                  "readyUrl" : "%s",
                  "data" : {
                    "k" : "v"
                  }
                }
                """.formatted(READY));
        String b64 = Base64.getEncoder().encodeToString(files.get("pxe-reimage.json").getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        assertThat(files.get("user-data")).isEqualTo("""
                #cloud-config
                hostname: "rack1-07"
                preserve_hostname: false
                write_files:
                  - path: /etc/pxe-reimage/first-boot.json
                    owner: root:root
                    permissions: '0600'
                    encoding: b64
                    content: %s
                phone_home:
                  url: "%s"
                  post: [instance_id, hostname]
                  tries: 10
                """.formatted(b64, READY));
        FirstBootWriter.validate(ready);
    }

    @Test
    void withoutReadyUrlThereIsNoPhoneHome() throws Exception {
        Map<String, String> files = FirstBootWriter.files(fb, "j-42");
        assertThat(files.get("user-data")).doesNotContain("phone_home").endsWith("content: "
                + Base64.getEncoder().encodeToString(files.get("pxe-reimage.json").getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)) + "\n");
        assertThat(Json.MAPPER.readTree(files.get("pxe-reimage.json")).has("readyUrl")).isFalse();
        assertThat(files.get("pxe-reimage.json")).doesNotContain("readyUrl");
    }

    @Test
    void readyUrlMustBeAbsoluteHttpAndIsNotEchoed() {
        for (String bad : List.of("/api/v1/agent/ready?token=x-SECRET", "ftp://h/x-SECRET", "http://h/a b-SECRET",
                "http://h/\"x-SECRET", "http://h/\\x-SECRET", "http://h/\nx-SECRET")) {
            assertThatThrownBy(() -> FirstBootWriter.validate(new Job.FirstBoot("h", "u", bad, Map.of())))
                    .as(bad).hasMessageContaining("readyUrl").hasMessageNotContaining("SECRET");
        }
    }

    private static String mtools(String... cmd) throws IOException, InterruptedException {
        Commands.Result r = Commands.capture(List.of(cmd), null, java.time.Duration.ofSeconds(30),
                Map.of("MTOOLS_SKIP_CHECK", "1", "MTOOLSRC", "/dev/null"));
        assertThat(r.ok()).as(String.join(" ", cmd) + ": " + r.stderr()).isTrue();
        return r.stdout();
    }
}
