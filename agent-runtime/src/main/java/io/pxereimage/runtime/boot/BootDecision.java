package io.pxereimage.runtime.boot;

import java.util.Objects;

/**
 * The planner's answer to one boot request: either stay silent, or hand the client one file to load next.
 * The DHCP responder turns it into a reply; it never decides anything itself.
 */
public sealed interface BootDecision {

    /** Do not answer this client at all (unknown MAC, plan says boot from disk, unsupported architecture). */
    record Ignore(String reason) implements BootDecision {
        public Ignore {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Answer with a boot file.
     *
     * @param kind how the client will fetch {@code bootFile}
     * @param bootFile a TFTP file name ({@link Kind#TFTP}) or an absolute HTTP URL (the other kinds), for the
     *                 {@code file} field and option 67
     */
    record Boot(Kind kind, String bootFile) implements BootDecision {
        public Boot {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(bootFile, "bootFile");
        }
    }

    enum Kind {
        /** Firmware PXE: load an iPXE build over TFTP. */
        TFTP,
        /** UEFI HTTP boot: load an iPXE build over HTTP; the reply must carry {@code HTTPClient} in option 60. */
        HTTP_BOOT,
        /** The client is iPXE: hand it the URL of its script (this breaks the chainload loop). */
        IPXE_SCRIPT
    }
}
