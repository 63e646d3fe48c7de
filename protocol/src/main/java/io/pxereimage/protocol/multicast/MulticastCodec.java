package io.pxereimage.protocol.multicast;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bytes to {@link Packet} and back, no I/O ({@code docs/multicast.md} has the layouts). Decoding is strict: any
 * length, magic, version, reserved field or bitmap that does not match throws {@link MalformedPacketException}.
 */
public final class MulticastCodec {
    public static final int MAX_BLOCK = 16384;
    public static final int MAX_SLICE_BLOCKS = 4096;
    public static final int MAX_RECEIVERS = 1024;
    public static final int MAC_LENGTH = 32;
    /** Block size that fills a 1500-byte Ethernet frame: 1500 - IPv4 20 - UDP 8 - header 32 - DATA fields 4. */
    public static final int ETHERNET_BLOCK = 1436;

    static final int ANNOUNCE_BODY = 36;
    static final int REGISTER_BODY = 48;
    static final int REGISTER_ACK_BODY = 20;
    static final int DATA_FIELDS = 4;
    static final int REQUEST_FIELDS = 12;
    static final int STATUS_FIELDS = 12;
    static final int DONE_ACK_BODY = 12;
    static final int LEAVE_BODY = 4;

    private MulticastCodec() {
    }

    public static ByteBuffer encode(Packet p) {
        ByteBuffer body;
        PacketType type;
        if (p instanceof Packet.Announce a) {
            type = PacketType.ANNOUNCE;
            body = ByteBuffer.allocate(ANNOUNCE_BODY).putLong(a.imageSize()).putLong(a.rateBytesPerSecond())
                    .putLong(a.sendNanos()).putShort((short) a.blockSize()).putShort((short) a.sliceBlocks())
                    .put(a.dataGroup()).putShort((short) a.dataPort()).putShort((short) 0);
        } else if (p instanceof Packet.Register r) {
            type = PacketType.REGISTER;
            body = ByteBuffer.allocate(REGISTER_BODY).putLong(r.receiverId()).putLong(r.echoNanos()).put(r.mac());
        } else if (p instanceof Packet.RegisterAck r) {
            type = PacketType.REGISTER_ACK;
            body = ByteBuffer.allocate(REGISTER_ACK_BODY).putLong(r.receiverId()).putLong(r.echoNanos())
                    .putShort((short) r.index()).putShort((short) 0);
        } else if (p instanceof Packet.Data d) {
            type = PacketType.DATA;
            body = ByteBuffer.allocate(DATA_FIELDS + d.payload().length).putShort((short) d.block())
                    .putShort((short) 0).put(d.payload());
        } else if (p instanceof Packet.Request r) {
            type = r.header().type();
            byte[] bitmap = r.answered();
            body = ByteBuffer.allocate(REQUEST_FIELDS + bitmap.length).putLong(r.sendNanos())
                    .putShort((short) bitmap.length).putShort((short) 0).put(bitmap);
        } else if (p instanceof Packet.Status s) {
            type = PacketType.STATUS;
            byte[] bitmap = s.missing();
            body = ByteBuffer.allocate(STATUS_FIELDS + bitmap.length).putLong(s.echoNanos())
                    .putShort((short) s.index()).putShort((short) bitmap.length).put(bitmap);
        } else if (p instanceof Packet.DoneAck d) {
            type = PacketType.DONE_ACK;
            body = ByteBuffer.allocate(DONE_ACK_BODY).putLong(d.echoNanos()).putShort((short) d.index())
                    .put((byte) d.result().code).put((byte) 0);
        } else if (p instanceof Packet.Leave l) {
            type = PacketType.LEAVE;
            body = ByteBuffer.allocate(LEAVE_BODY).putShort((short) l.index()).put((byte) l.reason().code)
                    .put((byte) 0);
        } else {
            throw new IllegalArgumentException("unknown packet " + p);
        }
        body.flip();
        ByteBuffer b = ByteBuffer.allocate(Header.LENGTH + body.remaining());
        putHeader(b, p.header().withType(type), body.remaining());
        return b.put(body).flip();
    }

    private static void putHeader(ByteBuffer b, Header h, int body) {
        b.putInt(Header.MAGIC).put((byte) Header.VERSION).put((byte) h.type().code).putShort((short) body);
        b.putLong(h.session()).putLong(h.hashPrefix()).putInt(h.slice()).putInt(h.sequence());
    }

    /** Decodes the bytes between position and limit; the buffer's position is undefined afterwards. */
    public static Packet decode(ByteBuffer in) throws MalformedPacketException {
        try {
            return decodeStrict(in.slice());
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            // lengths are checked before reading, so this is a second line of defence: still a typed error
            throw new MalformedPacketException("malformed packet: " + e);
        }
    }

    /**
     * A DATA packet read in place by {@link #peekData}: the receiver's hot path, which must not allocate per packet.
     * One instance is reused; its fields are those of the last packet peeked.
     */
    public static final class DataView {
        private long session;
        private long hashPrefix;
        private int slice;
        private int sequence;
        private int block;

        public long session() {
            return session;
        }

        public long hashPrefix() {
            return hashPrefix;
        }

        public int slice() {
            return slice;
        }

        public int sequence() {
            return sequence;
        }

        public int block() {
            return block;
        }
    }

    /**
     * If the bytes between position and limit are a DATA packet: checks it exactly as {@link #decode} does, fills
     * {@code v} and leaves {@code in}'s position at the payload (limit unchanged; valid until the buffer is reused),
     * without copying or allocating. Any other type: returns false with {@code in} unchanged, for {@link #decode}.
     */
    public static boolean peekData(ByteBuffer in, DataView v) throws MalformedPacketException {
        int start = in.position();
        try {
            PacketType type = header(in);
            if (type != PacketType.DATA) {
                in.position(start);
                return false;
            }
            v.session = in.getLong(start + 8);
            v.hashPrefix = in.getLong(start + 16);
            v.slice = in.getInt(start + 24);
            v.sequence = in.getInt(start + 28);
            v.block = dataBlock(in);
            return true;
        } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new MalformedPacketException("malformed packet: " + e);
        }
    }

    /** Checks the header (length, magic, version, type, body length, slice) and leaves {@code b} after it. */
    private static PacketType header(ByteBuffer b) throws MalformedPacketException {
        if (b.remaining() < Header.LENGTH) {
            throw new MalformedPacketException("short packet: " + b.remaining() + " bytes, header needs "
                    + Header.LENGTH);
        }
        int magic = b.getInt();
        if (magic != Header.MAGIC) {
            throw new MalformedPacketException(String.format("bad magic 0x%08x", magic));
        }
        int version = b.get() & 0xff;
        if (version != Header.VERSION) {
            throw new MalformedPacketException("unsupported version " + version);
        }
        PacketType type = PacketType.of(b.get() & 0xff);
        int body = b.getShort() & 0xffff;
        b.position(b.position() + 16); // session, hash prefix
        int slice = b.getInt();
        b.getInt(); // sequence
        if (slice < 0) {
            throw new MalformedPacketException("slice index out of range: " + Integer.toUnsignedString(slice));
        }
        if (b.remaining() != body) {
            throw new MalformedPacketException("body length " + body + " but " + b.remaining() + " bytes follow");
        }
        return type;
    }

    /** A DATA body up to its payload: the block index (checked), {@code b} left at the payload. */
    private static int dataBlock(ByteBuffer b) throws MalformedPacketException {
        int body = b.remaining();
        range("DATA body length", body, DATA_FIELDS + 1, DATA_FIELDS + MAX_BLOCK);
        int block = b.getShort() & 0xffff;
        reserved(b.getShort());
        range("block index", block, 0, MAX_SLICE_BLOCKS - 1);
        return block;
    }

    private static Packet decodeStrict(ByteBuffer b) throws MalformedPacketException {
        PacketType type = header(b);
        int body = b.remaining();
        long session = b.getLong(8);
        long hash = b.getLong(16);
        int slice = b.getInt(24);
        int sequence = b.getInt(28);
        Header h = new Header(type, session, hash, slice, sequence);
        return switch (type) {
            case ANNOUNCE -> {
                exact(type, body, ANNOUNCE_BODY);
                long size = b.getLong();
                long rate = b.getLong();
                long nanos = b.getLong();
                int block = b.getShort() & 0xffff;
                int sliceBlocks = b.getShort() & 0xffff;
                byte[] group = new byte[4];
                b.get(group);
                int port = b.getShort() & 0xffff;
                reserved(b.getShort());
                range("image size", size, 0, Long.MAX_VALUE);
                range("rate", rate, 0, Long.MAX_VALUE);
                range("block size", block, 1, MAX_BLOCK);
                range("slice blocks", sliceBlocks, 1, MAX_SLICE_BLOCKS);
                range("data port", port, 1, 0xffff);
                if ((group[0] & 0xf0) != 0xe0) {
                    throw new MalformedPacketException("data group is not an IPv4 multicast address");
                }
                yield new Packet.Announce(h, size, block, sliceBlocks, group, port, rate, nanos);
            }
            case REGISTER -> {
                exact(type, body, REGISTER_BODY);
                long id = b.getLong();
                long echo = b.getLong();
                byte[] mac = new byte[MAC_LENGTH];
                b.get(mac);
                yield new Packet.Register(h, id, echo, mac);
            }
            case REGISTER_ACK -> {
                exact(type, body, REGISTER_ACK_BODY);
                long id = b.getLong();
                long echo = b.getLong();
                int index = b.getShort() & 0xffff;
                reserved(b.getShort());
                range("receiver index", index, 0, MAX_RECEIVERS - 1);
                yield new Packet.RegisterAck(h, id, index, echo);
            }
            case DATA -> {
                int block = dataBlock(b);
                byte[] payload = new byte[b.remaining()];
                b.get(payload);
                yield new Packet.Data(h, block, payload);
            }
            case STATUS_REQ, DONE -> {
                if (body < REQUEST_FIELDS) {
                    throw new MalformedPacketException(type + " body too short: " + body);
                }
                long nanos = b.getLong();
                int len = b.getShort() & 0xffff;
                reserved(b.getShort());
                range("answered bitmap length", len, 0, MAX_RECEIVERS / 8);
                exact(type, body, REQUEST_FIELDS + len);
                byte[] bitmap = new byte[len];
                b.get(bitmap);
                yield new Packet.Request(h, nanos, bitmap);
            }
            case STATUS -> {
                if (body < STATUS_FIELDS) {
                    throw new MalformedPacketException("STATUS body too short: " + body);
                }
                long echo = b.getLong();
                int index = b.getShort() & 0xffff;
                int len = b.getShort() & 0xffff;
                range("receiver index", index, 0, MAX_RECEIVERS - 1);
                range("missing bitmap length", len, 0, MAX_SLICE_BLOCKS / 8);
                exact(type, body, STATUS_FIELDS + len);
                byte[] bitmap = new byte[len];
                b.get(bitmap);
                if (len > 0 && isEmpty(bitmap)) {
                    throw new MalformedPacketException("NAK bitmap names no missing block");
                }
                yield new Packet.Status(h, index, echo, bitmap);
            }
            case DONE_ACK -> {
                exact(type, body, DONE_ACK_BODY);
                long echo = b.getLong();
                int index = b.getShort() & 0xffff;
                int result = b.get() & 0xff;
                reserved(b.get());
                range("receiver index", index, 0, MAX_RECEIVERS - 1);
                yield new Packet.DoneAck(h, index, Packet.DoneResult.of(result), echo);
            }
            case LEAVE -> {
                exact(type, body, LEAVE_BODY);
                int index = b.getShort() & 0xffff;
                int reason = b.get() & 0xff;
                reserved(b.get());
                range("receiver index", index, 0, MAX_RECEIVERS - 1);
                yield new Packet.Leave(h, index, Packet.LeaveReason.of(reason));
            }
        };
    }

    /** HMAC-SHA256 with the receiver's job token over the REGISTER header and its id and echo fields. */
    public static byte[] registerMac(byte[] token, Header header, long receiverId, long echoNanos) {
        ByteBuffer b = ByteBuffer.allocate(Header.LENGTH + 16);
        putHeader(b, header.withType(PacketType.REGISTER), REGISTER_BODY);
        b.putLong(receiverId).putLong(echoNanos);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token, "HmacSHA256"));
            return mac.doFinal(b.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time check of a REGISTER's authenticator. */
    public static boolean verify(Packet.Register r, byte[] token) {
        return MessageDigest.isEqual(registerMac(token, r.header(), r.receiverId(), r.echoNanos()), r.mac());
    }

    public static byte[] token(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static boolean bit(byte[] bitmap, int i) {
        return i >= 0 && i / 8 < bitmap.length && (bitmap[i / 8] & (1 << (i % 8))) != 0;
    }

    public static void set(byte[] bitmap, int i) {
        bitmap[i / 8] |= (byte) (1 << (i % 8));
    }

    private static boolean isEmpty(byte[] bitmap) {
        for (byte x : bitmap) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void exact(PacketType type, int body, int expected) throws MalformedPacketException {
        if (body != expected) {
            throw new MalformedPacketException(type + " body must be " + expected + " bytes, is " + body);
        }
    }

    private static void range(String what, long v, long min, long max) throws MalformedPacketException {
        if (v < min || v > max) {
            throw new MalformedPacketException(what + " out of range: " + v);
        }
    }

    private static void reserved(long v) throws MalformedPacketException {
        if (v != 0) {
            throw new MalformedPacketException("reserved field is not zero");
        }
    }
}
