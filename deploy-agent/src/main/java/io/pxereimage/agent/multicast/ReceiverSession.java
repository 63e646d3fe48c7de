package io.pxereimage.agent.multicast;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

/**
 * One receiver's side of a session, without sockets: decoded packets in, the answer (if any) out, blocks written to
 * {@code out}. A packet of another session or image is dropped and counted, never written.
 */
final class ReceiverSession {
    /** Loss is judged over windows of this many sender packets. */
    static final int LOSS_WINDOW = 1024;
    /**
     * Loss counts as sustained when this many consecutive windows each had it: one window's burst (a receiver not
     * scheduled for a few ms on a loaded machine overflows its socket buffer) is not a lossy link.
     */
    static final int LOSS_WINDOWS = 4;

    private final Packet.Announce announce;
    private final int index;
    private final FileChannel out;
    private final long session;
    private final long hashPrefix;
    private final BlockBitmap received;
    private final ImageLayout layout;
    private final BooleanSupplier verifier;
    private final long blockCount;
    private long foreign;
    private long invalid;
    private long duplicates;
    private long written;
    private long writtenBytes;
    private Boolean verified;
    private boolean released;
    private Packet.LeaveReason told;
    private int windowStart = -1;
    private int windowSeen;
    private final double[] windowLoss = new double[LOSS_WINDOWS];
    private int windows;

    /** A whole image written to {@code out} from block 0, verified by reading it back against its SHA-256. */
    ReceiverSession(Packet.Announce announce, int index, FileChannel out, byte[] expectedSha256) {
        this(announce, index, out, new BlockBitmap(announce.imageSize(), announce.blockSize()),
                ImageLayout.whole(announce.imageSize()), readBack(out, announce.imageSize(), expectedSha256));
        if (announce.header().hashPrefix() != Header.hashPrefix(expectedSha256)) {
            throw new IllegalArgumentException("announced image is not the expected one");
        }
    }

    /**
     * @param received blocks already on disk (resumed), in the announce's block size; updated as blocks arrive
     * @param layout which bytes of each block are written (block map); its unneeded blocks must be set already
     * @param verifier reads the written image back and checks it; called once, at the first DONE, if complete
     */
    ReceiverSession(Packet.Announce announce, int index, FileChannel out, BlockBitmap received, ImageLayout layout,
            BooleanSupplier verifier) {
        this.announce = announce;
        this.index = index;
        this.out = out;
        this.session = announce.header().session();
        this.hashPrefix = announce.header().hashPrefix();
        this.blockCount = announce.blockCount();
        if (received.blockSize() != announce.blockSize() || received.imageSize() != announce.imageSize()) {
            throw new IllegalArgumentException("bitmap does not match the announced blocks");
        }
        this.received = received;
        this.layout = layout;
        this.verifier = verifier;
    }

    /** True for a packet of this session and image; anything else is counted and must be ignored. */
    boolean ours(Packet p) {
        return ours(p.header().session(), p.header().hashPrefix());
    }

    private boolean ours(long packetSession, long packetHashPrefix) {
        if (packetSession == session && packetHashPrefix == hashPrefix) {
            return true;
        }
        foreign++;
        return false;
    }

    /**
     * A DATA packet read in place ({@link MulticastCodec#peekData}; {@code payload} from position to limit), the
     * same as {@link #handle} with the decoded packet but without allocating; returns false for a foreign one.
     */
    boolean handleData(MulticastCodec.DataView d, ByteBuffer payload) {
        if (!ours(d.session(), d.hashPrefix())) {
            return false;
        }
        countSequence(d.sequence());
        data(d.slice(), d.block(), payload);
        return true;
    }

    /** Handles a packet from the data group; returns the answer to send to the sender, if any. */
    Optional<Packet> handle(Packet p) {
        if (!ours(p)) {
            return Optional.empty();
        }
        if (p instanceof Packet.Leave l) {
            if (l.index() == index || l.reason() == Packet.LeaveReason.ABORT) {
                told = l.reason();
            } else {
                invalid++;
            }
            return Optional.empty();
        }
        countSequence(p.header().sequence());
        if (p instanceof Packet.Data d) {
            data(d.header().slice(), d.block(), ByteBuffer.wrap(d.payload()));
            return Optional.empty();
        }
        if (p instanceof Packet.Request r && r.header().type() == PacketType.STATUS_REQ) {
            return status(r);
        }
        if (p instanceof Packet.Request r && r.header().type() == PacketType.DONE) {
            return done(r);
        }
        invalid++; // a receiver's packet or an ANNOUNCE on the data group: not for us
        return Optional.empty();
    }

    /**
     * Consecutive new blocks (fully mapped) are gathered here and written with one positional write: a write per
     * 1.4 KB block cost as much as receiving it. Their bits are set only once they are written (the saved bitmap
     * never claims what is not on disk); everything gathered is written before any answer about the blocks
     * (STATUS, DONE) and before the counters are read.
     */
    private final ByteBuffer run = ByteBuffer.allocateDirect(RUN_BYTES);
    private static final int RUN_BYTES = 256 << 10;
    private long runFirst = -1;
    private int runBlocks;

    private void data(int slice, int blockInSlice, ByteBuffer payload) {
        long block = (long) slice * announce.sliceBlocks() + blockInSlice;
        int length = payload.remaining();
        if (blockInSlice >= announce.sliceBlocks() || block >= blockCount || length != blockLength(block)) {
            invalid++;
            return;
        }
        if (received.has((int) block) || runFirst >= 0 && block >= runFirst && block < runFirst + runBlocks) {
            duplicates++;
            return;
        }
        long start = block * announce.blockSize();
        if (layout.mappedBytes(start, start + length) == length) { // fully mapped (no list per block)
            if (runFirst < 0 || block != runFirst + runBlocks || run.remaining() < length) {
                flush();
                runFirst = block;
            }
            run.put(payload);
            runBlocks++;
            return;
        }
        flush();
        try {
            for (ImageLayout.Range r : layout.clip(start, start + length)) {
                int from = payload.position() + (int) (r.start() - start);
                ByteBuffer b = payload.duplicate().limit(from + (int) r.length()).position(from);
                long pos = r.start();
                while (b.hasRemaining()) {
                    pos += out.write(b, pos);
                }
                writtenBytes += r.length();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write block " + block, e);
        }
        received.set((int) block);
        written++;
    }

    /** Writes the gathered run of blocks and marks them received. */
    void flush() {
        if (runBlocks == 0) {
            return;
        }
        long pos = runFirst * announce.blockSize();
        int bytes = run.flip().remaining();
        try {
            while (run.hasRemaining()) {
                pos += out.write(run, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write blocks " + runFirst + "-" + (runFirst + runBlocks - 1), e);
        }
        received.set((int) runFirst, (int) runFirst + runBlocks);
        written += runBlocks;
        writtenBytes += bytes;
        run.clear();
        runFirst = -1;
        runBlocks = 0;
    }

    /**
     * Loss from gaps in the sender's packet counter, per window of {@link #LOSS_WINDOW} packets (counted from the
     * first packet this receiver saw, so a late joiner's start is no loss).
     */
    private void countSequence(int seq) {
        if (windowStart < 0 || seq < windowStart) {
            windowStart = seq;
            windowSeen = 0;
        }
        windowSeen++;
        int span = seq - windowStart + 1;
        if (span >= LOSS_WINDOW) {
            windowLoss[windows++ % LOSS_WINDOWS] = Math.max(0, 1.0 - (double) windowSeen / span);
            windowStart = seq + 1;
            windowSeen = 0;
        }
    }

    /** The sustained loss: the lowest of the last {@link #LOSS_WINDOWS} complete windows (0 before that many). */
    double loss() {
        if (windows < LOSS_WINDOWS) {
            return 0;
        }
        double min = 1;
        for (double l : windowLoss) {
            min = Math.min(min, l);
        }
        return min;
    }

    /** The sender's LEAVE for this receiver (or ABORT for all), else null. */
    Packet.LeaveReason told() {
        return told;
    }

    private long blockLength(long block) {
        return Math.min(announce.blockSize(), announce.imageSize() - block * announce.blockSize());
    }

    private Optional<Packet> status(Packet.Request r) {
        flush();
        int slice = r.header().slice();
        if (r.hasAnswered(index) || slice >= announce.sliceCount()) {
            return Optional.empty(); // already said OK: stay silent (feedback suppression)
        }
        long first = (long) slice * announce.sliceBlocks();
        int n = (int) Math.min(announce.sliceBlocks(), blockCount - first);
        byte[] missing = new byte[(n + 7) / 8];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            if (!received.has((int) (first + i))) {
                MulticastCodec.set(missing, i);
                any = true;
            }
        }
        Header h = new Header(PacketType.STATUS, session, hashPrefix, slice, 0);
        return Optional.of(new Packet.Status(h, index, r.sendNanos(), any ? missing : new byte[0]));
    }

    private Optional<Packet> done(Packet.Request r) {
        flush();
        if (r.hasAnswered(index)) {
            released = true;
            return Optional.empty();
        }
        Header h = new Header(PacketType.DONE_ACK, session, hashPrefix, 0, 0);
        Packet.DoneResult result = !complete() ? Packet.DoneResult.INCOMPLETE
                : verify() ? Packet.DoneResult.VERIFIED : Packet.DoneResult.MISMATCH;
        return Optional.of(new Packet.DoneAck(h, index, result, r.sendNanos()));
    }

    /** The verifier's answer once every block is on disk; computed once. */
    boolean verify() {
        if (verified == null) {
            if (!complete()) {
                return false;
            }
            verified = verifier.getAsBoolean();
        }
        return verified;
    }

    /** Whole-image SHA-256 of {@code size} bytes read back from {@code out}. */
    static BooleanSupplier readBack(FileChannel out, long size, byte[] expectedSha256) {
        byte[] expected = expectedSha256.clone();
        return () -> MessageDigest.isEqual(sha256(out, size), expected);
    }

    private static byte[] sha256(FileChannel out, long size) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (pos < size) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), size - pos));
                int n = out.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
                md.update(buf.flip());
            }
            return md.digest();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back the image", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean complete() {
        flush();
        return received.count() == blockCount;
    }

    /** The sender confirmed it has our DONE_ACK. */
    boolean released() {
        return released;
    }

    Boolean result() {
        return verified;
    }

    long foreign() {
        return foreign;
    }

    long invalid() {
        return invalid;
    }

    long duplicates() {
        return duplicates;
    }

    long written() {
        flush();
        return written;
    }

    /** Image bytes this session wrote (mapped parts of new blocks). */
    long writtenBytes() {
        flush();
        return writtenBytes;
    }

    int index() {
        return index;
    }

    Header header(PacketType type) {
        return new Header(type, session, hashPrefix, 0, 0);
    }
}
