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

    /** A receiver's answer to DONE: whether the whole image verified against its SHA-256. */
    record DoneAck(Header header, int index, boolean verified, long echoNanos) implements Packet {
        public DoneAck {
            check(index >= 0 && index < MulticastCodec.MAX_RECEIVERS, "index " + index);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + what);
        }
    }
}
