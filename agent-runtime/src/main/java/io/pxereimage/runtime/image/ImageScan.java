package io.pxereimage.runtime.image;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import io.pxereimage.protocol.Job.BlockRange;

/**
 * Reads a raw image once and computes what the catalog needs: its SHA-256 and size, and optionally a block map
 * of the used ranges. Used means "not all zeros" in 1 MiB-aligned blocks; adjacent used blocks merge into one
 * range with its own SHA-256, so an agent can fetch, write and verify only those (bmaptool's idea: sparse images
 * deploy several times faster). Pure computation over a stream.
 */
public final class ImageScan {
    public static final int BLOCK = 1 << 20;

    /** The outcome; {@code blockMap} is empty when not asked for. */
    public record Result(String sha256, long sizeBytes, List<BlockRange> blockMap) {
    }

    private ImageScan() {
    }

    public static Result scan(InputStream raw, boolean blockMap) throws IOException {
        MessageDigest whole = sha256();
        MessageDigest range = null;
        long rangeStart = 0;
        long offset = 0;
        List<BlockRange> ranges = new ArrayList<>();
        byte[] buf = new byte[BLOCK];
        byte[] zeros = new byte[BLOCK];
        int n;
        while ((n = raw.readNBytes(buf, 0, BLOCK)) > 0) {
            whole.update(buf, 0, n);
            if (blockMap) {
                boolean used = Arrays.mismatch(buf, 0, n, zeros, 0, n) >= 0;
                if (used) {
                    if (range == null) {
                        range = sha256();
                        rangeStart = offset;
                    }
                    range.update(buf, 0, n);
                } else if (range != null) {
                    ranges.add(new BlockRange(rangeStart, offset - rangeStart, hex(range)));
                    range = null;
                }
            }
            offset += n;
        }
        if (range != null) {
            ranges.add(new BlockRange(rangeStart, offset - rangeStart, hex(range)));
        }
        return new Result(hex(whole), offset, ranges);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }
}
