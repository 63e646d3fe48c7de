package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/**
 * The agent on a real block device (a loop device over a file in a temp dir) with the real /proc and /sys: deploy
 * with first-boot volume, refusal while a partition is mounted, and the wipe job (blkdiscard works on loop).
 */
class LoopDeviceIT {
    static final long MIB = TestImages.MIB;

    @TempDir
    Path tmp;
    String loop;
    Path mountPoint;
    FakeRuntime rt;
    Thread agent;

    @BeforeEach
    void setUp() throws Exception {
        Prereqs.requireRoot();
        Prereqs.requireCommands("losetup", "partx", "mount", "umount", "mkfs.ext4", "sfdisk", "mkfs.vfat", "mcopy", "mtype",
                "wipefs", "blkdiscard");
        Path backing = TestImages.disk(tmp.resolve("backing.img"), 64 * MIB, (byte) 0x5a);
        loop = TestImages.run("losetup", "--find", "--show", "-P", backing.toString()).strip();
        rt = new FakeRuntime("tok", "52:54:00:12:34:56");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestImages.stop(agent);
        if (rt != null) {
            rt.close();
        }
        if (mountPoint != null) {
            Commands.capture(List.of("umount", mountPoint.toString()), null, Duration.ofSeconds(30), null);
        }
        if (loop != null) {
            Commands.capture(List.of("losetup", "-d", loop), null, Duration.ofSeconds(30), null);
        }
    }

    private AgentConfig realRoots() throws Exception {
        return TestImages.config(tmp, rt).procRoot(Path.of("/proc")).sysRoot(Path.of("/sys")).devDir(Path.of("/dev"))
                .mountsFile(Path.of("/proc/self/mounts"));
    }

    private Path mbrImage() throws Exception {
        Path raw = TestImages.image(tmp.resolve("raw.img"), 12 * MIB, 9);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(512), 0); // no stray partition table in the random bytes
        }
        Commands.Result r = Commands.capture(List.of("sfdisk", raw.toString()),
                "label: dos\nstart=2048, size=20480, type=83, bootable\n", Duration.ofSeconds(30), null);
        assertThat(r.ok()).as(r.stderr()).isTrue();
        return raw;
    }

    @Test
    void deployWithFirstBootThenRefuseWhileMountedThenWipe() throws Exception {
        Path raw = mbrImage();
        rt.images.put("mbr", raw);
        agent = TestImages.start(realRoots());
        Job.FirstBoot fb = new Job.FirstBoot("pxg-node-1", "http://10.231.60.1:8080", null, Map.of("secret", "v4lue"));
        String sha = TestImages.sha256(raw);
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.DeployImage("j-1", new Job.ImageRef("mbr",
                rt.url() + "/images/mbr", sha, 12 * MIB, "none", null), Job.Target.device(loop), fb)));
        JobResult r = rt.awaitResult("j-1", 60_000);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(TestImages.run("sfdisk", "-d", loop)).containsPattern("start=\\s*24576, size=\\s*8192, type=c");
        assertThat(TestImages.run("mtype", "-i", loop + "@@" + 12 * MIB, "::/meta-data")).contains("pxg-node-1");
        assertThat(TestImages.sha256(Path.of(loop), 2048 * 512, 10 * MIB))
                .isEqualTo(TestImages.sha256(raw, 2048 * 512, 10 * MIB));

        // make the kernel see the partitions and mount one (ext4: this kernel may lack vfat): the disk is busy now
        TestImages.run("partx", "-u", loop);
        Commands.capture(List.of("partx", "-a", loop), null, Duration.ofSeconds(30), null);
        TestImages.run("mkfs.ext4", "-q", "-F", loop + "p1");
        mountPoint = Files.createDirectories(tmp.resolve("mnt"));
        TestImages.run("mount", "-o", "ro", loop + "p1", mountPoint.toString());
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.DeployImage("j-2", new Job.ImageRef("mbr",
                rt.url() + "/images/mbr", sha, 12 * MIB, "none", null), Job.Target.device(loop), null)));
        JobResult refused = rt.awaitResult("j-2", 30_000);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.message()).contains(loop + "p1 is mounted on " + mountPoint);
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Wipe("j-3", Job.Target.device(loop))));
        assertThat(rt.awaitResult("j-3", 30_000).message()).contains("refusing to wipe");
        TestImages.run("umount", mountPoint.toString());
        mountPoint = null;

        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.Wipe("j-4", Job.Target.device(loop))));
        JobResult wiped = rt.awaitResult("j-4", 60_000);
        assertThat(wiped.ok()).as(wiped.message()).isTrue();
        assertThat(TestImages.allBytes(Path.of(loop), 0, (int) MIB, (byte) 0)).isTrue();
        assertThat(TestImages.allBytes(Path.of(loop), 63 * MIB, (int) MIB, (byte) 0)).isTrue();
        Commands.Result dump = Commands.capture(List.of("sfdisk", "-d", loop), null, Duration.ofSeconds(30), null);
        assertThat(dump.ok()).as("no partition table left").isFalse();
    }

    @Test
    void failedDeployOnABlockDeviceLeavesItUnbootable() throws Exception {
        Path raw = mbrImage();
        rt.images.put("mbr", raw);
        agent = TestImages.start(realRoots());
        rt.jobs.add(Json.MAPPER.writeValueAsString(new Job.DeployImage("j-bad", new Job.ImageRef("mbr",
                rt.url() + "/images/mbr", "f".repeat(64), 12 * MIB, "none", null), Job.Target.device(loop), null)));
        JobResult r = rt.awaitResult("j-bad", 60_000);
        assertThat(r.ok()).isFalse();
        assertThat(TestImages.allBytes(Path.of(loop), 0, (int) MIB, (byte) 0)).isTrue();
        assertThat(TestImages.allBytes(Path.of(loop), 63 * MIB, (int) MIB, (byte) 0)).isTrue();
    }
}
