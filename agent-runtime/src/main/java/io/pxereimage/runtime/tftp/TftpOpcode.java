package io.pxereimage.runtime.tftp;

/** TFTP opcodes: RFC 1350 section 5, OACK from RFC 2347. */
public enum TftpOpcode {
    RRQ(1), WRQ(2), DATA(3), ACK(4), ERROR(5), OACK(6);

    private final int code;

    TftpOpcode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The opcode for {@code code}, or {@code null} when it is not a TFTP opcode. */
    public static TftpOpcode valueOf(int code) {
        return code >= 1 && code <= 6 ? values()[code - 1] : null;
    }
}
