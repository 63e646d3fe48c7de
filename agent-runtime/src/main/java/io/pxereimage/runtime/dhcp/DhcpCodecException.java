package io.pxereimage.runtime.dhcp;

/** A DHCP packet could not be decoded (or a message could not be encoded); {@link #field()} names the culprit. */
public final class DhcpCodecException extends Exception {
    private final String field;

    public DhcpCodecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The header field or option that was malformed, e.g. {@code "magic cookie"} or {@code "option 93"}. */
    public String field() {
        return field;
    }
}
