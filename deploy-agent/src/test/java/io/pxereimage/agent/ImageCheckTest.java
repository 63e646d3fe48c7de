package io.pxereimage.agent;

import static io.pxereimage.agent.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.Job;

class ImageCheckTest {
    @TempDir
    Path tmp;

    @Test
    void checkingInStepsWhileTheImageArrivesEqualsOneCheckAtTheEnd() throws Exception {
        long size = 3L * MIB + 17;
        Path image = TestImages.image(tmp.resolve("i"), size, 3);
        Job.ImageRef ref = new Job.ImageRef("i", "u", TestImages.sha256(image), size, "none", List.of());
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ImageCheck c = new ImageCheck(ref);
            for (long upTo : new long[] {0, 1000, 1000, MIB + 5, 2 * MIB, 10 * MIB}) {
                c.advance(ch, upTo);
            }
            assertThat(c.finish(ch).ok()).isTrue();
            assertThat(c.finish(ch).ok()).as("finish again: same answer").isTrue();
            assertThat(ImageCheck.check(ch, ref).sha256()).isEqualTo(ref.sha256());
        }
    }

    @Test
    void blockMapGapsCountAsZeroesAndABadRangeIsNamed() throws Exception {
        long size = 4L * MIB;
        Path image = TestImages.image(tmp.resolve("i"), size, 5, MIB, 2 * MIB); // zeroes in 1..2 MiB
        List<Job.BlockRange> map = List.of(new Job.BlockRange(0, MIB, TestImages.sha256(image, 0, MIB)),
                new Job.BlockRange(2 * MIB, 2 * MIB, TestImages.sha256(image, 2 * MIB, 2 * MIB)));
        Job.ImageRef ref = new Job.ImageRef("i", "u", TestImages.sha256(image), size, "none", map);
        Path disk = tmp.resolve("disk");
        Files.copy(image, disk);
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            byte[] junk = new byte[1000];
            java.util.Arrays.fill(junk, (byte) 7);
            ch.write(ByteBuffer.wrap(junk), MIB + 10); // in the gap: the disk's old content, not checked
            ImageCheck c = new ImageCheck(ref);
            c.advance(ch, MIB + 500_000);
            assertThat(c.finish(ch).ok()).isTrue();
            ch.write(ByteBuffer.wrap(junk), 2L * MIB + 5);
            ImageCheck.Verification v = ImageCheck.check(ch, ref);
            assertThat(v.ok()).isFalse();
            assertThat(v.badRanges()).containsExactly(map.get(1));
            assertThat(v.failure()).contains("first at offset " + 2 * MIB);
        }
    }
}
