package io.pxereimage.runtime.dhcp;

/** DHCP message type, option 53 (RFC 2132 9.6 and later). An open enum: {@link #valueOf(int)} accepts any code. */
public record MessageType(int code) {
    public static final MessageType DISCOVER = new MessageType(1);
    public static final MessageType OFFER = new MessageType(2);
    public static final MessageType REQUEST = new MessageType(3);
    public static final MessageType DECLINE = new MessageType(4);
    public static final MessageType ACK = new MessageType(5);
    public static final MessageType NAK = new MessageType(6);
    public static final MessageType RELEASE = new MessageType(7);
    public static final MessageType INFORM = new MessageType(8);

    public MessageType {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("message type out of range: " + code);
        }
    }

    public static MessageType valueOf(int code) {
        return new MessageType(code);
    }

    public boolean isKnown() {
        return code >= 1 && code <= 8;
    }

    @Override
    public String toString() {
        return switch (code) {
            case 1 -> "DISCOVER";
            case 2 -> "OFFER";
            case 3 -> "REQUEST";
            case 4 -> "DECLINE";
            case 5 -> "ACK";
            case 6 -> "NAK";
            case 7 -> "RELEASE";
            case 8 -> "INFORM";
            default -> "TYPE-" + code;
        };
    }
}
