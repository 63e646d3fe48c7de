package io.pxereimage.runtime.election;

/** A datagram on the election port that is not a valid, authenticated announcement. */
public final class ElectionCodecException extends Exception {
    /** Why it was dropped; also the {@code outcome} label of {@code pxe_election_messages_total}. */
    public enum Kind {
        /** Not our format: wrong length, magic, version, type, or a field out of range. */
        MALFORMED,
        /** Our format, but the HMAC does not match the shared key (a stranger, or a peer with another key). */
        UNAUTHENTICATED
    }

    private final Kind kind;

    ElectionCodecException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
