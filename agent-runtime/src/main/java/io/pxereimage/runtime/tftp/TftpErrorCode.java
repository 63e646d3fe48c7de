package io.pxereimage.runtime.tftp;

/**
 * TFTP error codes as an open enum (RFC 1350 appendix, code 8 from RFC 2347): known codes are constants,
 * {@link #valueOf(int)} returns an unnamed instance for anything else instead of throwing.
 */
public record TftpErrorCode(int code, String name) {
    public static final TftpErrorCode NOT_DEFINED = new TftpErrorCode(0, "not defined");
    public static final TftpErrorCode FILE_NOT_FOUND = new TftpErrorCode(1, "file not found");
    public static final TftpErrorCode ACCESS_VIOLATION = new TftpErrorCode(2, "access violation");
    public static final TftpErrorCode DISK_FULL = new TftpErrorCode(3, "disk full or allocation exceeded");
    public static final TftpErrorCode ILLEGAL_OPERATION = new TftpErrorCode(4, "illegal TFTP operation");
    public static final TftpErrorCode UNKNOWN_TID = new TftpErrorCode(5, "unknown transfer ID");
    public static final TftpErrorCode FILE_EXISTS = new TftpErrorCode(6, "file already exists");
    public static final TftpErrorCode NO_SUCH_USER = new TftpErrorCode(7, "no such user");
    public static final TftpErrorCode OPTION_NEGOTIATION = new TftpErrorCode(8, "option negotiation");

    private static final TftpErrorCode[] KNOWN = {
        NOT_DEFINED, FILE_NOT_FOUND, ACCESS_VIOLATION, DISK_FULL, ILLEGAL_OPERATION, UNKNOWN_TID, FILE_EXISTS,
        NO_SUCH_USER, OPTION_NEGOTIATION,
    };

    public static TftpErrorCode valueOf(int code) {
        return code >= 0 && code < KNOWN.length ? KNOWN[code] : new TftpErrorCode(code, "unknown(" + code + ")");
    }

    @Override
    public String toString() {
        return code + " (" + name + ")";
    }
}
