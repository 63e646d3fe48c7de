package io.pxereimage.runtime.tftp;

import java.util.Locale;

/** How a read request ended; the lower-case name is the {@code outcome} tag of {@code pxe_tftp_transfers_total}. */
public enum TransferOutcome {
    /** All blocks sent and the last one acknowledged (or its ACK never came, see {@link TftpTransfer}). */
    OK,
    NOT_FOUND,
    /** Path escape, symlink out of the root, WRQ, unsupported mode or a non-regular file. */
    DENIED,
    /** The client sent ERROR, e.g. EDK2's ERROR 8 after its tsize probe. */
    ABORTED,
    TIMEOUT,
    BUSY,
    /** The server failed (I/O error reading the file, bad option value from the client). */
    ERROR;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
