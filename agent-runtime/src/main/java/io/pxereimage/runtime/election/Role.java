package io.pxereimage.runtime.election;

import java.util.Locale;

/**
 * What a runtime is in its subnet's election. Only the {@link #RESPONDER} answers PXE clients; the codes are the
 * wire values of the announcement's role byte (docs/election.md).
 */
public enum Role {
    /** Another runtime answers (or the runtime is still listening after start). */
    STANDBY(0),
    /** Wants to answer: no responder is heard, or it outranks the responder and waits for a quiet moment. */
    CANDIDATE(1),
    /** Answers PXE/DHCP clients for the subnet. */
    RESPONDER(2);

    public final int code;

    Role(int code) {
        this.code = code;
    }

    /** The role with this wire code, or null for an unknown one. */
    static Role ofCode(int code) {
        for (Role r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
