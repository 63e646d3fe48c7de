package io.pxereimage.agent.multicast;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.Optional;

import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

/**
 * One receiver's side of a session, without sockets: decoded packets in, the answer (if any) out, blocks written to
 * {@code out}. A packet of another session or image is dropped and counted, never written.
 */
final class ReceiverSession {
    private final Packet.Announce announce;
    private final int index;
    private final FileChannel out;
    private final byte[] expectedSha256;
    private final long session;
    private final long hashPrefix;
    private final BitSet received;
    private final long blockCount;
    private long foreign;
    private long invalid;
    private long duplicates;
    private long written;
    private Boolean verified;
    private boolean released;

    ReceiverSession(Packet.Announce announce, int index, FileChannel out, byte[] expectedSha256) {
        this.announce = announce;
        this.index = index;
        this.out = out;
        this.expectedSha256 = expectedSha256.clone();
        this.session = announce.header().session();
        this.hashPrefix = announce.header().hashPrefix();
        if (hashPrefix != Header.hashPrefix(expectedSha256)) {
            throw new IllegalArgumentException("announced image is not the expected one");
        }
        this.blockCount = announce.blockCount();
        if (blockCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image too large for one session: " + blockCount + " blocks");
        }
        this.received = new BitSet((int) blockCount);
    }

    /** True for a packet of this session and image; anything else is counted and must be ignored. */
    boolean ours(Packet p) {
        if (p.header().session() == session && p.header().hashPrefix() == hashPrefix) {
            return true;
        }
        foreign++;
        return false;
    }

    /** Handles a packet from the data group; returns the answer to send to the sender, if any. */
    Optional<Packet> handle(Packet p) {
        if (!ours(p)) {
            return Optional.empty();
        }
        if (p instanceof Packet.Data d) {
            data(d);
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

    private void data(Packet.Data d) {
        long block = (long) d.header().slice() * announce.sliceBlocks() + d.block();
        if (d.block() >= announce.sliceBlocks() || block >= blockCount
                || d.payload().length != blockLength(block)) {
            invalid++;
            return;
        }
        if (received.get((int) block)) {
            duplicates++;
            return;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(d.payload());
            long pos = block * announce.blockSize();
            while (b.hasRemaining()) {
                pos += out.write(b, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write block " + block, e);
        }
        received.set((int) block);
        written++;
    }

    private long blockLength(long block) {
        return Math.min(announce.blockSize(), announce.imageSize() - block * announce.blockSize());
    }

    private Optional<Packet> status(Packet.Request r) {
        int slice = r.header().slice();
        if (r.hasAnswered(index) || slice >= announce.sliceCount()) {
            return Optional.empty(); // already said OK: stay silent (feedback suppression)
        }
        long first = (long) slice * announce.sliceBlocks();
        int n = (int) Math.min(announce.sliceBlocks(), blockCount - first);
        byte[] missing = new byte[(n + 7) / 8];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            if (!received.get((int) (first + i))) {
                MulticastCodec.set(missing, i);
                any = true;
            }
        }
        Header h = new Header(PacketType.STATUS, session, hashPrefix, slice, 0);
        return Optional.of(new Packet.Status(h, index, r.sendNanos(), any ? missing : new byte[0]));
    }

    private Optional<Packet> done(Packet.Request r) {
        if (r.hasAnswered(index)) {
            released = true;
            return Optional.empty();
        }
        Header h = new Header(PacketType.DONE_ACK, session, hashPrefix, 0, 0);
        return Optional.of(new Packet.DoneAck(h, index, verify(), r.sendNanos()));
    }

    /** Whole-image SHA-256 of what was written, once every block arrived; computed once. */
    boolean verify() {
        if (verified == null) {
            verified = complete() && MessageDigest.isEqual(sha256(), expectedSha256);
        }
        return verified;
    }

    private byte[] sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (pos < announce.imageSize()) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), announce.imageSize() - pos));
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
        return received.cardinality() == blockCount;
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
        return written;
    }
}
