package io.pxereimage.protocol.multicast;

/** A datagram that is not a valid packet of the multicast protocol ({@code docs/multicast.md}); never an index error. */
public final class MalformedPacketException extends Exception {
    public MalformedPacketException(String message) {
        super(message);
    }
}
