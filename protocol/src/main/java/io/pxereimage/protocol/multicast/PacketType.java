package io.pxereimage.protocol.multicast;

/** Packet types and their wire codes ({@code docs/multicast.md}). */
public enum PacketType {
    ANNOUNCE(1), REGISTER(2), REGISTER_ACK(3), DATA(4), STATUS_REQ(5), STATUS(6), DONE(7), DONE_ACK(8),
    LEAVE(9);

    public final int code;

    PacketType(int code) {
        this.code = code;
    }

    static PacketType of(int code) throws MalformedPacketException {
        for (PacketType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new MalformedPacketException("unknown packet type " + code);
    }
}
