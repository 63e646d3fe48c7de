package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/** What a deploy left on the disk file, compared with the image (read from the host side, after qemu ended). */
final class DiskCheck {
    private DiskCheck() {
    }

    /**
     * The disk holds the image byte for byte except the MBR's partition entry 2 (bytes 462-477): the agent's
     * {@code sfdisk --append} added the CIDATA partition there and changes nothing else in the image's range (the
     * demo image uses entry 1 only, entries 2-4 are zero). So: hash the disk's first imageSize bytes with entry 2
     * taken from the image and compare to the image's sha256; then check entry 2 itself (type 0x0c, starting on a
     * 1 MiB boundary at or after the image's end) and the FAT label CIDATA in that partition's boot sector.
     */
    static void check(Path disk, Path image, long imageSize, String imageSha, boolean blockMap)
            throws Exception {
        byte[] imgMbr = head(image, 512);
        byte[] diskMbr = head(disk, 512);
        if (blockMap) {
            checkMappedRanges(disk, image, imageSize, Arrays.copyOfRange(imgMbr, 462, 478));
        } else {
            assertThat(sha256(disk, 0, imageSize, Arrays.copyOfRange(imgMbr, 462, 478)))
                    .as("disk = image except MBR entry 2").isEqualTo(imageSha);
        }
        byte[] entry = Arrays.copyOfRange(diskMbr, 462, 478);
        assertThat(entry[4] & 0xff).as("partition 2 type").isEqualTo(0x0c);
        long start = le32(entry, 8);
        long sectors = le32(entry, 12);
        assertThat(start * 512).as("CIDATA start").isGreaterThanOrEqualTo(imageSize);
        assertThat(start % 2048).as("CIDATA alignment").isZero();
        assertThat(sectors).isEqualTo(8192);
        try (FileChannel ch = FileChannel.open(disk)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, start * 512);
            // FAT12/16 boot sector: volume label at 0x2b
            assertThat(new String(b.array(), 0x2b, 11, StandardCharsets.US_ASCII).strip())
                    .isEqualTo("CIDATA");
        }
    }

    /**
     * Block map: every 1 MiB chunk of the image that is not all zero (what {@code --block-map} maps) must be on the
     * disk as it is (MBR entry 2 aside); unmapped chunks are not written by the agent, so on a used disk they keep
     * old data. Counted and printed, not asserted: that is the documented block-map behaviour (like bmaptool).
     */
    private static void checkMappedRanges(Path disk, Path image, long imageSize, byte[] entry2) throws IOException {
        int mapped = 0;
        int staleGaps = 0;
        byte[] zero = new byte[1 << 20];
        try (InputStream di = Files.newInputStream(disk); InputStream ii = Files.newInputStream(image)) {
            for (long off = 0; off < imageSize; off += zero.length) {
                byte[] d = di.readNBytes(zero.length);
                byte[] i = ii.readNBytes(zero.length);
                if (off == 0) {
                    System.arraycopy(entry2, 0, d, 462, 16);
                }
                if (Arrays.equals(i, zero)) {
                    staleGaps += Arrays.equals(d, zero) ? 0 : 1;
                } else {
                    mapped++;
                    assertThat(Arrays.equals(d, i)).as("mapped MiB at %d on the disk", off).isTrue();
                }
            }
        }
        System.out.printf("e2e block map: %d mapped MiB equal to the image; %d unmapped MiB still hold old data%n",
                mapped, staleGaps);
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
    static String sha256(Path file, long from, long length, byte[] entry2) throws Exception {
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
}
