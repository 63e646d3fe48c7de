package io.pxereimage.agent.multicast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockBitmapTest {
    @TempDir
    Path dir;

    private static final byte[] SHA = new byte[32];
    private static final byte[] OTHER = new byte[32];

    static {
        Arrays.fill(SHA, (byte) 1);
        Arrays.fill(OTHER, (byte) 2);
    }

    @Test
    void savedBitmapLoadsBackOnlyForTheSameImageAndSize() throws Exception {
        BlockBitmap b = new BlockBitmap(10_000, 1436); // 7 blocks, the last 1384 bytes
        assertThat(b.blockCount()).isEqualTo(7);
        assertThat(b.end(6)).isEqualTo(10_000);
        assertThat(b.set(0)).isTrue();
        assertThat(b.set(0)).isFalse();
        b.set(3, 6);
        Path f = dir.resolve("state/multicast/x.bitmap");
        b.save(f, SHA);
        assertThat(Files.exists(f.resolveSibling("x.bitmap.tmp"))).isFalse();
        BlockBitmap back = BlockBitmap.load(f, SHA, 10_000).orElseThrow();
        assertThat(back.blockSize()).isEqualTo(1436);
        assertThat(back.snapshot()).isEqualTo(b.snapshot());
        assertThat(back.count()).isEqualTo(4);
        assertThat(back.nextMissing(0)).isEqualTo(1);
        assertThat(back.nextMissing(3)).isEqualTo(6);
        assertThat(BlockBitmap.load(f, OTHER, 10_000)).as("another image").isEmpty();
        assertThat(BlockBitmap.load(f, SHA, 10_001)).as("another size").isEmpty();
        assertThat(BlockBitmap.load(dir.resolve("none"), SHA, 10_000)).isEmpty();
    }

    @Test
    void damagedFilesAreIgnored() throws Exception {
        BlockBitmap b = new BlockBitmap(10_000, 100);
        b.set(0, 100);
        Path f = dir.resolve("b");
        b.save(f, SHA);
        byte[] ok = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(ok, ok.length - 1));
        assertThat(BlockBitmap.load(f, SHA, 10_000)).as("truncated").isEmpty();
        byte[] magic = ok.clone();
        magic[0] = 'X';
        Files.write(f, magic);
        assertThat(BlockBitmap.load(f, SHA, 10_000)).as("bad magic").isEmpty();
        Files.write(f, new byte[0]);
        assertThat(BlockBitmap.load(f, SHA, 10_000)).as("empty").isEmpty();
        // a bitmap that names blocks beyond the image
        BlockBitmap big = new BlockBitmap(20_000, 100);
        big.set(199);
        big.save(f, SHA);
        byte[] wrongSize = Files.readAllBytes(f);
        java.nio.ByteBuffer.wrap(wrongSize).putLong(9, 10_000);
        Files.write(f, wrongSize);
        assertThat(BlockBitmap.load(f, SHA, 10_000)).as("bits past the last block").isEmpty();
    }

    @Test
    void remapToAnotherBlockSizeClaimsOnlyFullyWrittenBlocks() {
        BlockBitmap b = new BlockBitmap(1000, 100); // 10 blocks
        b.set(0, 3); // bytes 0..300
        b.set(5); // bytes 500..600
        BlockBitmap big = b.remap(250); // 4 blocks: 0-250, 250-500, 500-750, 750-1000
        assertThat(big.has(0)).isTrue();
        assertThat(big.has(1)).as("250..500 only partly written").isFalse();
        assertThat(big.has(2)).isFalse();
        assertThat(big.count()).isEqualTo(1);
        BlockBitmap small = b.remap(50);
        assertThat(small.count()).isEqualTo(8);
        assertThat(small.has(5)).isTrue();
        assertThat(small.has(6)).isFalse();
        assertThat(small.has(10)).isTrue();
        assertThat(b.remap(100)).isSameAs(b);
    }

    @Test
    void outOfRangeBlocksAreRefused() {
        BlockBitmap b = new BlockBitmap(1000, 100);
        assertThatThrownBy(() -> b.set(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new BlockBitmap(0, 100)).isInstanceOf(IllegalArgumentException.class);
    }
}
