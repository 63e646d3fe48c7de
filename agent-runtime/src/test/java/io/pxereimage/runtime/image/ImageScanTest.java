package io.pxereimage.runtime.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.pxereimage.protocol.Job.BlockRange;

/** {@code image add}: sha256, size and block map of raw, gzip and zstd images; the catalog on disk. */
class ImageScanTest {
    static final int MIB = 1 << 20;
    @TempDir
    Path dir;

    /** 8 MiB + 1000 bytes: data in MiB 0, 1 (one range), 5 (one byte), and the partial tail. */
    byte[] sparseImage() {
        byte[] img = new byte[8 * MIB + 1000];
        Random r = new Random(42);
        byte[] chunk = new byte[2 * MIB];
        r.nextBytes(chunk);
        System.arraycopy(chunk, 0, img, 0, chunk.length);
        img[5 * MIB + 777] = 7;
        img[8 * MIB + 10] = 1;
        return img;
    }

    static String sha(byte[] b, int off, int len) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(b, off, len);
        return HexFormat.of().formatHex(d.digest());
    }

    @Test
    void rawImageHashSizeAndBlockMap() throws Exception {
        byte[] img = sparseImage();
        Path file = dir.resolve("disk.img");
        Files.write(file, img);
        ImageCatalog catalog = new ImageCatalog(dir.resolve("data"));
        ImageEntry e = new ImageImporter(catalog, Clock.systemUTC())
                .add(new ImageImporter.Request("demo", file.toString(), null, true, null));
        assertThat(e.sha256()).isEqualTo(sha(img, 0, img.length));
        assertThat(e.sizeBytes()).isEqualTo(img.length);
        assertThat(e.compression()).isEqualTo("none");
        assertThat(e.blockMap()).containsExactly(
                new BlockRange(0, 2L * MIB, sha(img, 0, 2 * MIB)),
                new BlockRange(5L * MIB, MIB, sha(img, 5 * MIB, MIB)),
                new BlockRange(8L * MIB, 1000, sha(img, 8 * MIB, 1000)));
        assertThat(catalog.fileFor(e.sha256())).contains(file.toAbsolutePath());
        // Persisted: a new catalog over the same data dir sees it.
        assertThat(new ImageCatalog(dir.resolve("data")).get("demo")).contains(e);
    }

    @Test
    void gzipAndZstdAreHashedDecompressed() throws Exception {
        byte[] img = sparseImage();
        Path gz = dir.resolve("disk.img.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(img);
        }
        Path zst = dir.resolve("disk.img.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(zst))) {
            out.write(img);
        }
        ImageImporter importer = new ImageImporter(new ImageCatalog(dir.resolve("data")), Clock.systemUTC());
        ImageEntry g = importer.add(new ImageImporter.Request("g", gz.toString(), null, false, null));
        ImageEntry z = importer.add(new ImageImporter.Request("z", zst.toString(), "zstd", false,
                sha(img, 0, img.length)));
        for (ImageEntry e : new ImageEntry[] {g, z}) {
            assertThat(e.sha256()).isEqualTo(sha(img, 0, img.length));
            assertThat(e.sizeBytes()).isEqualTo(img.length);
            assertThat(e.storedBytes()).isLessThan(img.length / 2);
            assertThat(e.blockMap()).isEmpty();
        }
        assertThat(g.compression()).isEqualTo("gzip");
        assertThat(z.compression()).isEqualTo("zstd");
    }

    @Test
    void wrongExpectedHashAndBadNamesAreRefused() throws Exception {
        Path file = dir.resolve("x.img");
        Files.write(file, new byte[] {1, 2, 3});
        ImageImporter importer = new ImageImporter(new ImageCatalog(dir), Clock.systemUTC());
        assertThatThrownBy(() -> importer.add(new ImageImporter.Request("x", file.toString(), null, false,
                "0".repeat(64)))).hasMessageStartingWith("sha256: the raw image hashes to");
        assertThatThrownBy(() -> importer.add(new ImageImporter.Request("../x", file.toString(), null, false, null)))
                .hasMessageStartingWith("name:");
        assertThatThrownBy(() -> importer.add(new ImageImporter.Request("x", dir.resolve("none").toString(), null,
                false, null))).hasMessageStartingWith("source:");
        assertThatThrownBy(() -> importer.add(new ImageImporter.Request("x", file.toString(), "lzma", false, null)))
                .hasMessageStartingWith("compression:");
    }

    @Test
    void allZeroImageHasAnEmptyBlockMap() throws Exception {
        Path file = dir.resolve("zero.img");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), 3L * MIB - 1); // sparse file of zeros
        }
        ImageScan.Result r = ImageScan.scan(Files.newInputStream(file), true);
        byte[] zeros = new byte[3 * MIB];
        Arrays.fill(zeros, (byte) 0);
        assertThat(r.sizeBytes()).isEqualTo(3L * MIB);
        assertThat(r.sha256()).isEqualTo(sha(zeros, 0, zeros.length));
        assertThat(r.blockMap()).isEmpty();
    }
}
