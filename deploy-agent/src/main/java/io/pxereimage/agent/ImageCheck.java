package io.pxereimage.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.pxereimage.protocol.Job;

/**
 * Verifies an image by reading it back from the disk, the same checks a unicast deploy makes while writing: the
 * whole-image SHA-256 (block-map gaps count as zeroes) and, with a block map, each range's SHA-256. It can run
 * ahead ({@link #advance}) over the part that is already complete while the rest still arrives, so that little is
 * left to read when the last block is in.
 */
final class ImageCheck {
    /** The outcome. */
    record Verification(String sha256, String expected, List<Job.BlockRange> badRanges) {
        boolean ok() {
            return badRanges.isEmpty() && sha256.equalsIgnoreCase(expected);
        }

        String failure() {
            return badRanges.isEmpty() ? "sha256 " + sha256 + " != expected " + expected
                    : badRanges.size() + " block-map ranges do not match their sha256, first at offset "
                            + badRanges.get(0).offset();
        }
    }

    private static final int BUFFER = 1 << 20;
    private static final byte[] ZEROES = new byte[64 * 1024];

    private final Job.ImageRef image;
    private final List<Job.BlockRange> map;
    private final MessageDigest whole = DeployImage.sha256();
    private final List<Job.BlockRange> bad = new ArrayList<>();
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    private MessageDigest range = DeployImage.sha256();
    private int next;
    private long pos;

    ImageCheck(Job.ImageRef image) {
        this.image = image;
        this.map = image.blockMap().isEmpty()
                ? List.of(new Job.BlockRange(0, image.sizeBytes(), null)) : image.blockMap();
    }

    /** Reads and hashes the image up to byte {@code upTo} (everything before it must be final on disk). */
    synchronized void advance(FileChannel ch, long upTo) throws IOException {
        long end = Math.min(upTo, image.sizeBytes());
        while (pos < end) {
            if (next == map.size()) { // after the last range: zeroes to the end of the image
                zeroes(end - pos);
                continue;
            }
            Job.BlockRange r = map.get(next);
            if (pos < r.offset()) {
                zeroes(Math.min(end, r.offset()) - pos);
                continue;
            }
            long stop = Math.min(end, r.offset() + r.length());
            buf.clear().limit((int) Math.min(buf.capacity(), stop - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("the target ends at byte " + pos + ", the image at " + image.sizeBytes());
            }
            buf.flip();
            range.update(buf.duplicate());
            whole.update(buf);
            pos += n;
            if (pos == r.offset() + r.length()) {
                if (r.sha256() != null && !HexFormat.of().formatHex(range.digest()).equalsIgnoreCase(r.sha256())) {
                    bad.add(r);
                }
                range = DeployImage.sha256();
                next++;
            }
        }
    }

    private void zeroes(long count) {
        for (long left = count; left > 0;) {
            int n = (int) Math.min(ZEROES.length, left);
            whole.update(ZEROES, 0, n);
            left -= n;
        }
        pos += count;
    }

    /** Reads the rest and gives the outcome (may be called again: the digests are not consumed). */
    synchronized Verification finish(FileChannel ch) throws IOException {
        advance(ch, image.sizeBytes());
        try {
            MessageDigest copy = (MessageDigest) whole.clone();
            return new Verification(HexFormat.of().formatHex(copy.digest()), image.sha256(), List.copyOf(bad));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole check at once. */
    static Verification check(FileChannel ch, Job.ImageRef image) throws IOException {
        return new ImageCheck(image).finish(ch);
    }
}
