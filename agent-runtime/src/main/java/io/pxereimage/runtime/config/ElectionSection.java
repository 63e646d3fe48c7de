package io.pxereimage.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.pxereimage.runtime.election.ElectionCodec;
import io.pxereimage.runtime.election.ElectionSettings;
import io.pxereimage.runtime.net.Subnet;

/**
 * Peers on one subnet elect one responder (docs/election.md). Absent: no election, the runtime always answers.
 *
 * @param port UDP port of the announcements, 2012 by default
 * @param weight 0..65535 (default 100): the highest weight answers; 0 never answers
 * @param waitMillis how long a candidate waits before answering (default 1000)
 * @param intervalMillis announce period (default 500)
 * @param missed announcements missed before a peer is gone (default 3)
 * @param keyFile a file holding the subnet's shared key (at least 16 bytes; a trailing newline is ignored); required
 * @param subnet the subnet announced and listened for, {@code a.b.c.d/len}; default: the boot interface's subnet
 * @param id unique on the subnet, lower wins ties (default: the runtime's IPv4 address as a number)
 */
public record ElectionSection(Integer port, Integer weight, Integer waitMillis, Integer intervalMillis, Integer missed,
        String keyFile, String subnet, Long id) {

    public ElectionSection {
        port = Fields.port("port", port, ElectionSettings.DEFAULT_PORT);
        if (port == 0) {
            throw new IllegalArgumentException("port: 0 is not an election port");
        }
        weight = Fields.range("weight", weight, 100, 0, 0xffff);
        waitMillis = Fields.range("waitMillis", waitMillis, (int) ElectionSettings.DEFAULT_WAIT_MILLIS, 0, 60_000);
        intervalMillis = Fields.range("intervalMillis", intervalMillis,
                (int) ElectionSettings.DEFAULT_INTERVAL_MILLIS, 100, 10_000);
        missed = Fields.range("missed", missed, ElectionSettings.DEFAULT_MISSED, 2, 20);
        if (keyFile == null) {
            throw new IllegalArgumentException("keyFile: required (the shared key that keeps strangers out of the"
                    + " election)");
        }
        readKey(keyFile); // fails here, with the field's line, rather than at start
        if (subnet != null) {
            try {
                Subnet.parse(subnet.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("subnet: " + e.getMessage());
            }
        }
        if (id != null && id == 0) {
            throw new IllegalArgumentException("id: 0 is not a runtime id");
        }
    }

    /** The key's bytes; the message of a failure never contains the key. */
    public static byte[] readKey(String keyFile) {
        byte[] key;
        try {
            key = Files.readAllBytes(Path.of(keyFile));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("keyFile: cannot read " + keyFile + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        int n = key.length;
        while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r')) {
            n--;
        }
        if (n < ElectionCodec.MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("keyFile: " + keyFile + " holds " + n + " bytes, at least "
                    + ElectionCodec.MIN_KEY_LENGTH + " needed (e.g. head -c 32 /dev/urandom | base64 > FILE)");
        }
        return Arrays.copyOf(key, n);
    }

    /** The configured subnet, or null to take the interface's. */
    public Subnet subnetValue() {
        return subnet == null ? null : Subnet.parse(subnet.strip());
    }
}
