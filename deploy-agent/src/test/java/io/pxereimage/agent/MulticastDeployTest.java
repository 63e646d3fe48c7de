package io.pxereimage.agent;

import static io.pxereimage.agent.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.agent.multicast.BlockBitmap;
import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/**
 * The agent's multicast deploy path without a sender (the namespace ITs in agent-runtime have one): no announce
 * means unicast, a saved bitmap means only the missing bytes over HTTP Range, and a bitmap that lies never yields an
 * imaged disk.
 */
class MulticastDeployTest {
    private static final long SIZE = 8L * MIB + 1234;
    private static final int BLOCK = 1436;

    @TempDir
    Path tmp;
    FakeRuntime rt;
    Thread agent;
    Path image;
    Path disk;
    String sha;

    @BeforeEach
    void setUp() throws Exception {
        rt = new FakeRuntime("boot-token-1", "52:54:00:12:34:56");
        image = TestImages.image(tmp.resolve("demo.img"), SIZE, 7, 5L * MIB, 6L * MIB);
        sha = TestImages.sha256(image);
        disk = TestImages.disk(tmp.resolve("dev/vda"), 32L * MIB, (byte) 0x5a);
        rt.images.put("raw", image);
    }

    @AfterEach
    void tearDown() throws Exception {
        TestImages.stop(agent);
        rt.close();
    }

    private JobResult deploy(String id, List<Job.BlockRange> map) throws Exception {
        Job job = new Job.DeployImage(id, new Job.ImageRef("demo", rt.url() + "/images/raw", sha, SIZE, "none", map),
                Job.Target.device(disk.toString()), null,
                new Job.Multicast("239.231.101.77", 19310, 7, "00112233445566778899aabbccddeeff", 1));
        agent = TestImages.start(TestImages.config(tmp, rt).multicastInterface("lo"));
        rt.jobs.add(Json.MAPPER.writeValueAsString(job));
        return rt.awaitResult(id, 60_000);
    }

    private List<String> logs(String id) {
        return rt.events(id).stream().filter(e -> e.kind().equals("log")).map(AgentEvent::message).toList();
    }

    private Path state() {
        return MulticastDeploy.stateFile(tmp.resolve("pxe-agent-state"), disk, sha);
    }

    /** The first {@code blocks} blocks of the image on the disk and in a saved bitmap, as a killed agent leaves them. */
    private long leaveEarlierRun(int blocks) throws Exception {
        long bytes = (long) blocks * BLOCK;
        try (FileChannel in = FileChannel.open(image); FileChannel out = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            in.read(b, 0);
            out.write(b.flip(), 0);
        }
        BlockBitmap bitmap = new BlockBitmap(SIZE, BLOCK);
        bitmap.set(0, blocks);
        bitmap.save(state(), HexFormat.of().parseHex(sha));
        return bytes;
    }

    @Test
    void noAnnounceFallsBackToUnicastAndSaysWhy() throws Exception {
        JobResult r = deploy("j-mc-none", null);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(TestImages.sha256(disk, 0, SIZE)).isEqualTo(sha);
        assertThat(logs("j-mc-none")).anyMatch(l -> l.equals(
                "no multicast announce of the image within 1 s (IGMP snooping without a querier?): unicast"));
        assertThat(rt.rangesSeen).as("a plain unicast GET").isEmpty();
        assertThat(rt.imageBytesServed.get()).isEqualTo(SIZE);
    }

    @Test
    void savedBitmapIsResumedAndOnlyTheMissingBytesComeOverHttpRange() throws Exception {
        long had = leaveEarlierRun(3000); // about half
        JobResult r = deploy("j-mc-resume", null);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(TestImages.sha256(disk, 0, SIZE)).isEqualTo(sha);
        assertThat(rt.imageBytesServed.get()).isEqualTo(SIZE - had);
        assertThat(rt.rangesSeen).allMatch(range -> Long.parseLong(range.replaceAll("bytes=(\\d+)-.*", "$1")) >= had);
        assertThat(logs("j-mc-resume")).anyMatch(l -> l.startsWith("resuming: " + had + " of " + SIZE));
        assertThat(logs("j-mc-resume")).anyMatch(l -> l.contains((SIZE - had) + " bytes by HTTP Range, " + had
                + " bytes from an earlier run"));
        assertThat(state()).as("done: nothing left to resume").doesNotExist();
        List<AgentEvent> progress = rt.events("j-mc-resume").stream().filter(e -> e.kind().equals("progress"))
                .toList();
        assertThat(progress.get(progress.size() - 1).bytes()).isEqualTo(SIZE);
    }

    @Test
    void withABlockMapOnlyMissingMappedBytesAreFetched() throws Exception {
        // mapped: 0..2 MiB and 4 MiB..end; the earlier run had the first 1000 blocks (~1.4 MiB)
        List<Job.BlockRange> map = List.of(new Job.BlockRange(0, 2 * MIB, TestImages.sha256(image, 0, 2 * MIB)),
                new Job.BlockRange(4 * MIB, SIZE - 4 * MIB, TestImages.sha256(image, 4 * MIB, SIZE - 4 * MIB)));
        // the whole-image hash of a block-mapped image counts the gaps as zeroes (as unicast does)
        Path zeroed = tmp.resolve("gap.img");
        Files.copy(image, zeroed);
        try (FileChannel ch = FileChannel.open(zeroed, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) (2 * MIB)), 2 * MIB);
        }
        sha = TestImages.sha256(zeroed);
        rt.images.put("raw", zeroed);
        long had = leaveEarlierRun(1000);
        try (FileChannel out = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            byte[] old = new byte[(int) (2 * MIB)];
            java.util.Arrays.fill(old, (byte) 0x5a);
            out.write(ByteBuffer.wrap(old), 2 * MIB); // what the disk held in the gap before
        }
        JobResult r = deploy("j-mc-map", map);
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(rt.imageBytesServed.get()).isEqualTo(SIZE - 2 * MIB - had);
        assertThat(TestImages.allBytes(disk, 2 * MIB, (int) (2 * MIB), (byte) 0x5a)).as("the gap is left alone")
                .isTrue();
        assertThat(TestImages.sha256(disk, 4 * MIB, SIZE - 4 * MIB)).isEqualTo(map.get(1).sha256());
        assertThat(TestImages.sha256(disk, 0, 2 * MIB)).isEqualTo(map.get(0).sha256());
    }

    @Test
    void aBitmapThatClaimsWhatTheDiskLacksNeverYieldsAnImagedDisk() throws Exception {
        leaveEarlierRun(3000);
        try (FileChannel out = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 100_000); // the disk changed behind the bitmap's back
        }
        JobResult r = deploy("j-mc-lie", null);
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).contains("image verification failed");
        assertThat(state()).as("a failed deploy forgets its state").doesNotExist();
        assertThat(TestImages.allBytes(disk, 0, (int) MIB, (byte) 0)).as("the target's start is wiped").isTrue();
    }
}
