package io.pxereimage.runtime.tftp;

/** A malformed TFTP datagram or option value; {@link #field()} names the part that was wrong. */
public final class TftpCodecException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    public TftpCodecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The packet field or option that was malformed, e.g. {@code "opcode"}, {@code "filename"}, {@code "blksize"}. */
    public String field() {
        return field;
    }
}
