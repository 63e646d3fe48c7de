package io.pxereimage.agent.multicast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which bytes of the raw image go to the disk: all of them, or only the ranges of the image's block map (as for a
 * unicast deploy, which writes only the mapped ranges and leaves the gaps alone). The multicast stream is always
 * the raw image, block by block; a block is written only where it overlaps mapped ranges, and a block with no
 * mapped byte is never needed (its bit is set from the start, so it is neither NAKed nor fetched over HTTP).
 */
public final class ImageLayout {
    /** Bytes {@code [start, end)} of the image. */
    public record Range(long start, long end) {
        public Range {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("empty or negative range " + start + "-" + end);
            }
        }

        public long length() {
            return end - start;
        }
    }

    private final long imageSize;
    private final long[] starts;
    private final long[] ends;
    private final boolean whole;

    private ImageLayout(long imageSize, List<Range> ranges, boolean whole) {
        this.imageSize = imageSize;
        this.whole = whole;
        this.starts = new long[ranges.size()];
        this.ends = new long[ranges.size()];
        long prev = 0;
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (r.start() < prev || r.end() > imageSize) {
                throw new IllegalArgumentException("block map ranges must be sorted, disjoint and inside the image");
            }
            starts[i] = r.start();
            ends[i] = r.end();
            prev = r.end();
        }
    }

    public static ImageLayout whole(long imageSize) {
        return new ImageLayout(imageSize, List.of(new Range(0, imageSize)), true);
    }

    /** Only {@code ranges} (sorted, disjoint); an empty list means the whole image, as in a job's block map. */
    public static ImageLayout mapped(long imageSize, List<Range> ranges) {
        return ranges.isEmpty() ? whole(imageSize) : new ImageLayout(imageSize, ranges, false);
    }

    public long imageSize() {
        return imageSize;
    }

    public boolean isWhole() {
        return whole;
    }

    public List<Range> ranges() {
        List<Range> out = new ArrayList<>(starts.length);
        for (int i = 0; i < starts.length; i++) {
            out.add(new Range(starts[i], ends[i]));
        }
        return out;
    }

    /** The mapped parts of {@code [from, to)}, in order. */
    public List<Range> clip(long from, long to) {
        List<Range> out = new ArrayList<>(1);
        for (int i = first(from); i < starts.length && starts[i] < to; i++) {
            long s = Math.max(from, starts[i]);
            long e = Math.min(to, ends[i]);
            if (s < e) {
                out.add(new Range(s, e));
            }
        }
        return out;
    }

    /** How many bytes of {@code [from, to)} are mapped. */
    public long mappedBytes(long from, long to) {
        long n = 0;
        for (int i = first(from); i < starts.length && starts[i] < to; i++) {
            n += Math.max(0, Math.min(to, ends[i]) - Math.max(from, starts[i]));
        }
        return n;
    }

    public long neededBytes() {
        return mappedBytes(0, imageSize);
    }

    /** Index of the first range that ends after {@code pos}. */
    private int first(long pos) {
        int i = Arrays.binarySearch(ends, pos);
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** Sets the bits of the blocks that hold no mapped byte: nothing of them is ever written. */
    public void markUnneeded(BlockBitmap bitmap) {
        if (whole) {
            return;
        }
        for (int b = 0; b < bitmap.blockCount(); b++) {
            if (mappedBytes(bitmap.start(b), bitmap.end(b)) == 0) {
                bitmap.set(b);
            }
        }
    }

    /** Mapped bytes of the blocks set in {@code bitmap}: what of the image is on disk. */
    public long presentBytes(BlockBitmap bitmap) {
        java.util.BitSet bits = bitmap.snapshot();
        long n = 0;
        for (int b = bits.nextSetBit(0); b >= 0;) {
            int e = bits.nextClearBit(b);
            n += mappedBytes(bitmap.start(b), bitmap.end(e - 1));
            b = e < bitmap.blockCount() ? bits.nextSetBit(e) : -1;
        }
        return n;
    }

    /**
     * The missing blocks as runs {@code [first, end)} of at most {@code maxBlocks} blocks (the unit the HTTP fill
     * fetches, writes, syncs and marks at once).
     */
    public static List<int[]> missingRuns(BlockBitmap bitmap, int maxBlocks) {
        List<int[]> runs = new ArrayList<>();
        int n = bitmap.blockCount();
        for (int b = bitmap.nextMissing(0); b < n;) {
            int e = b;
            while (e < n && e - b < maxBlocks && !bitmap.has(e)) {
                e++;
            }
            runs.add(new int[] {b, e});
            b = bitmap.nextMissing(e);
        }
        return runs;
    }
}
