package io.pxereimage.agent.multicast;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.Optional;

/**
 * Which blocks of an image are on the target disk: bit {@code b} set = the bytes of block {@code b} that the image
 * needs (its block map) are written. Shared by the multicast receive loop and the HTTP fill (thread-safe). Persisted
 * by {@link #save} so that a restarted agent resumes; the caller fdatasyncs the disk before it saves, so the file
 * never claims a block the disk may not have.
 *
 * <p>File layout (big-endian): magic {@code PXBM}, version u8 = 1, block size u32, image size u64, image SHA-256 (32
 * bytes), bitmap length n u32, n bitmap bytes (bit {@code b}: byte {@code b/8}, bit {@code b%8}, LSB first).
 */
public final class BlockBitmap {
    private static final int MAGIC = 0x5058424D; // "PXBM"
    private static final int VERSION = 1;

    private final long imageSize;
    private final int blockSize;
    private final int blockCount;
    private final BitSet have;

    public BlockBitmap(long imageSize, int blockSize) {
        this(imageSize, blockSize, new BitSet());
    }

    private BlockBitmap(long imageSize, int blockSize, BitSet have) {
        if (imageSize <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("image size and block size must be positive");
        }
        long count = (imageSize + blockSize - 1) / blockSize;
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many blocks: " + count);
        }
        this.imageSize = imageSize;
        this.blockSize = blockSize;
        this.blockCount = (int) count;
        this.have = have;
        have.clear(blockCount, Math.max(blockCount, have.length()));
    }

    public long imageSize() {
        return imageSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return blockCount;
    }

    public synchronized boolean has(int block) {
        return have.get(block);
    }

    /** Marks a block; returns false when it was already set. */
    public synchronized boolean set(int block) {
        if (block < 0 || block >= blockCount) {
            throw new IndexOutOfBoundsException("block " + block + " of " + blockCount);
        }
        if (have.get(block)) {
            return false;
        }
        have.set(block);
        return true;
    }

    public synchronized void set(int from, int to) {
        have.set(from, to);
    }

    public synchronized int count() {
        return have.cardinality();
    }

    /** A copy of the set bits (to save while writing goes on). */
    public synchronized BitSet snapshot() {
        return (BitSet) have.clone();
    }

    /** The first block at or after {@code from} that is not set, or {@link #blockCount()}. */
    public synchronized int nextMissing(int from) {
        return Math.min(blockCount, have.nextClearBit(from));
    }

    public long start(int block) {
        return (long) block * blockSize;
    }

    public long end(int block) {
        return Math.min(imageSize, (long) (block + 1) * blockSize);
    }

    /**
     * The same disk state in blocks of another size (a later session may announce another block size): a new block is
     * set only when every old block it overlaps is set, so nothing is claimed that was not written.
     */
    public BlockBitmap remap(int newBlockSize) {
        if (newBlockSize == blockSize) {
            return this;
        }
        BitSet old = snapshot();
        BlockBitmap m = new BlockBitmap(imageSize, newBlockSize);
        for (int b = 0; b < m.blockCount; b++) {
            int first = (int) (m.start(b) / blockSize);
            int last = (int) ((m.end(b) - 1) / blockSize);
            if (old.nextClearBit(first) > last) {
                m.have.set(b);
            }
        }
        return m;
    }

    /** Writes the snapshot {@code bits} atomically (temp file, fsync, rename). */
    public void save(Path file, byte[] imageSha256, BitSet bits) throws IOException {
        byte[] bytes = bits.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 4 + 8 + 32 + 4 + bytes.length);
        b.putInt(MAGIC).put((byte) VERSION).putInt(blockSize).putLong(imageSize).put(imageSha256, 0, 32)
                .putInt(bytes.length).put(bytes).flip();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public void save(Path file, byte[] imageSha256) throws IOException {
        save(file, imageSha256, snapshot());
    }

    /**
     * The bitmap saved in {@code file} for this image, or empty when there is none or it belongs to another image or
     * size, or is damaged (then the caller starts from an empty bitmap: safe, only slower).
     */
    public static Optional<BlockBitmap> load(Path file, byte[] imageSha256, long imageSize) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < 53 || b.getInt() != MAGIC || b.get() != VERSION) {
            return Optional.empty();
        }
        int block = b.getInt();
        long size = b.getLong();
        byte[] sha = new byte[32];
        b.get(sha);
        int n = b.getInt();
        if (block <= 0 || size != imageSize || !MessageDigest.isEqual(sha, imageSha256) || n < 0
                || n != b.remaining()) {
            return Optional.empty();
        }
        byte[] bits = new byte[n];
        b.get(bits);
        BitSet set = BitSet.valueOf(bits);
        if (set.length() > (size + block - 1) / block) {
            return Optional.empty();
        }
        return Optional.of(new BlockBitmap(size, block, set));
    }

    @Override
    public synchronized String toString() {
        return "BlockBitmap[" + have.cardinality() + "/" + blockCount + " blocks of " + blockSize + "]";
    }
}
