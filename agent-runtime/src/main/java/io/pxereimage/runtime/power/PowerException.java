package io.pxereimage.runtime.power;

/** A power operation failed. The message names the BMC and the cause, never the password. */
public class PowerException extends Exception {
    public enum Kind { AUTH, UNREACHABLE, TIMEOUT, PROTOCOL, UNSUPPORTED }

    private final Kind kind;

    public PowerException(Kind kind, String message) {
        this(kind, message, null);
    }

    public PowerException(Kind kind, String message, Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Worth retrying: the BMC may come back. Wrong credentials or a protocol error will not fix themselves. */
    public boolean transientFailure() {
        return kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT;
    }
}
