package io.pxereimage.protocol.multicast;

/**
 * The fixed 32-byte header of every packet ({@code docs/multicast.md}).
 *
 * @param type packet type
 * @param session random 64-bit session id chosen by the sender
 * @param hashPrefix the first 8 bytes of the image SHA-256, as a big-endian long
 * @param slice slice index (DATA, STATUS_REQ, STATUS), else 0
 * @param sequence the sender's packet counter (receivers estimate loss from gaps); 0 from receivers
 */
public record Header(PacketType type, long session, long hashPrefix, int slice, int sequence) {
    public static final int MAGIC = 0x50584D43; // "PXMC"
    public static final int VERSION = 1;
    public static final int LENGTH = 32;

    public Header {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        if (slice < 0) {
            throw new IllegalArgumentException("slice < 0: " + slice);
        }
    }

    /** The hash prefix of a full SHA-256 (at least 8 bytes). */
    public static long hashPrefix(byte[] sha256) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (sha256[i] & 0xff);
        }
        return v;
    }

    public Header withType(PacketType t) {
        return new Header(t, session, hashPrefix, slice, sequence);
    }

    public Header withSlice(int s, int seq) {
        return new Header(type, session, hashPrefix, s, seq);
    }
}
