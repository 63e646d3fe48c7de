package io.pxereimage.protocol.multicast;

/** One packet of the multicast protocol: the header plus a typed body ({@code docs/multicast.md}). */
public sealed interface Packet {
    Header header();

    /** Session offer on the control group. {@code dataGroup} is an IPv4 address as 4 bytes. */
    record Announce(Header header, long imageSize, int blockSize, int sliceBlocks, byte[] dataGroup, int dataPort,
            long rateBytesPerSecond, long sendNanos) implements Packet {
        public Announce {
            check(blockSize >= 1 && blockSize <= MulticastCodec.MAX_BLOCK, "block size " + blockSize);
            check(sliceBlocks >= 1 && sliceBlocks <= MulticastCodec.MAX_SLICE_BLOCKS, "slice blocks " + sliceBlocks);
            check(imageSize >= 0, "image size " + imageSize);
            check(dataGroup != null && dataGroup.length == 4, "data group must be 4 bytes");
            check(dataPort >= 1 && dataPort <= 0xffff, "data port " + dataPort);
            check(rateBytesPerSecond >= 0, "rate " + rateBytesPerSecond);
            dataGroup = dataGroup.clone();
        }

        @Override
        public byte[] dataGroup() {
            return dataGroup.clone();
        }

        public long blockCount() {
            return (imageSize + blockSize - 1) / blockSize;
        }

        public int sliceCount() {
            return (int) ((blockCount() + sliceBlocks - 1) / sliceBlocks);
        }
    }

    /** A receiver joins: its id, the echoed announce time (round trip) and HMAC-SHA256(token, header + fields). */
    record Register(Header header, long receiverId, long echoNanos, byte[] mac) implements Packet {
        public Register {
            check(mac != null && mac.length == MulticastCodec.MAC_LENGTH, "mac must be 32 bytes");
            mac = mac.clone();
        }

        @Override
        public byte[] mac() {
            return mac.clone();
        }
    }

    /** The sender admits a receiver and gives it its index in the answered bitmaps. */
    record RegisterAck(Header header, long receiverId, int index, long echoNanos) implements Packet {
        public RegisterAck {
            check(index >= 0 && index < MulticastCodec.MAX_RECEIVERS, "index " + index);
        }
    }

    /** One block: {@code header.slice()} and {@code block} (within the slice) place it in the image. */
    record Data(Header header, int block, byte[] payload) implements Packet {
        public Data {
            check(block >= 0 && block < MulticastCodec.MAX_SLICE_BLOCKS, "block " + block);
            check(payload != null && payload.length >= 1 && payload.length <= MulticastCodec.MAX_BLOCK,
                    "payload length " + (payload == null ? -1 : payload.length));
        }
    }

    /**
     * End of slice ({@code STATUS_REQ}) or of the session ({@code DONE}): receivers whose bit is set in
     * {@code answered} already answered and stay silent.
     */
    record Request(Header header, long sendNanos, byte[] answered) implements Packet {
        public Request {
            check(header.type() == PacketType.STATUS_REQ || header.type() == PacketType.DONE,
                    "request type " + header.type());
            check(answered != null && answered.length <= MulticastCodec.MAX_RECEIVERS / 8, "answered bitmap");
            answered = answered.clone();
        }

        @Override
        public byte[] answered() {
            return answered.clone();
        }

        public boolean hasAnswered(int index) {
            return MulticastCodec.bit(answered, index);
        }
    }

    /** A receiver's answer to STATUS_REQ: OK (empty {@code missing}) or the bitmap of missing blocks of the slice. */
    record Status(Header header, int index, long echoNanos, byte[] missing) implements Packet {
        public Status {
            check(index >= 0 && index < MulticastCodec.MAX_RECEIVERS, "index " + index);
            check(missing != null && missing.length <= MulticastCodec.MAX_SLICE_BLOCKS / 8, "missing bitmap");
            missing = missing.clone();
        }

        @Override
        public byte[] missing() {
            return missing.clone();
        }

        public boolean ok() {
            return missing.length == 0;
        }
    }

    /** A receiver's answer to DONE: whether the whole image verified, or that it lacks blocks and takes them by HTTP. */
    record DoneAck(Header header, int index, DoneResult result, long echoNanos) implements Packet {
        public DoneAck {
            check(index >= 0 && index < MulticastCodec.MAX_RECEIVERS, "index " + index);
            check(result != null, "result is null");
        }

        /** Verified (result 0) or not (result 1). */
        public DoneAck(Header header, int index, boolean verified, long echoNanos) {
            this(header, index, verified ? DoneResult.VERIFIED : DoneResult.MISMATCH, echoNanos);
        }

        public boolean verified() {
            return result == DoneResult.VERIFIED;
        }
    }

    /** DONE_ACK results ({@code docs/multicast.md}). */
    enum DoneResult {
        /** The whole image (or every mapped range) matched its SHA-256. */
        VERIFIED(0),
        /** It did not match. */
        MISMATCH(1),
        /** Blocks are missing (late joiner, left, holes): the receiver fetches them over HTTP Range and verifies. */
        INCOMPLETE(2);

        public final int code;

        DoneResult(int code) {
            this.code = code;
        }

        static DoneResult of(int code) throws MalformedPacketException {
            for (DoneResult r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            throw new MalformedPacketException("DONE_ACK result out of range: " + code);
        }
    }

    /**
     * Unicast, either direction: the receiver with {@code index} leaves the session (or is told to). A receiver that
     * leaves or is told to fetches what it lacks over HTTP Range; the sender stops waiting for it.
     */
    record Leave(Header header, int index, LeaveReason reason) implements Packet {
        public Leave {
            check(index >= 0 && index < MulticastCodec.MAX_RECEIVERS, "index " + index);
            check(reason != null, "reason is null");
        }
    }

    /** LEAVE reasons ({@code docs/multicast.md}). */
    enum LeaveReason {
        /** Sender to receiver: too far behind or losing too much, finish over HTTP. */
        TOO_SLOW(1),
        /** Receiver to sender: its loss is above its threshold. */
        LOSSY(2),
        /** Receiver to sender: it stops. */
        SHUTDOWN(3),
        /** Sender to receivers: the session is aborted, every receiver finishes over HTTP. */
        ABORT(4);

        public final int code;

        LeaveReason(int code) {
            this.code = code;
        }

        static LeaveReason of(int code) throws MalformedPacketException {
            for (LeaveReason r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            throw new MalformedPacketException("LEAVE reason out of range: " + code);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + what);
        }
    }
}
