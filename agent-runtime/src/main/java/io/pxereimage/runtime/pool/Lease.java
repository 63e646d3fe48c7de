package io.pxereimage.runtime.pool;

import java.time.Instant;
import java.util.Map;

/**
 * A client's claim on one machine.
 *
 * @param labels the label expression the machine must match
 * @param firstBoot host name and data for the image's first boot; {@code data} values may be secrets
 * @param waitForMachine when no machine is free: wait ({@code pending}) or fail at once
 * @param heartbeatSeconds the lease expires this long after the last heartbeat
 * @param deadline when it fails unless {@code ready}; {@code null} for no limit
 * @param expires when it expires unless renewed
 * @param site the site whose machine it was granted (that site provisions it); {@code null} before a grant
 * @param origin the site whose runtime took the request; {@code null} when unknown
 */
public record Lease(String id, String client, String labels, String image, FirstBootData firstBoot,
        boolean waitForMachine, int heartbeatSeconds, LeaseState state, String machine, String message,
        Instant created, Instant deadline, Instant expires, Instant readyAt, Instant endedAt, String site,
        String origin) {

    /** A lease without site information (tests, fakes). */
    public Lease(String id, String client, String labels, String image, FirstBootData firstBoot,
            boolean waitForMachine, int heartbeatSeconds, LeaseState state, String machine, String message,
            Instant created, Instant deadline, Instant expires, Instant readyAt, Instant endedAt) {
        this(id, client, labels, image, firstBoot, waitForMachine, heartbeatSeconds, state, machine, message, created,
                deadline, expires, readyAt, endedAt, null, null);
    }

    /** First-boot host name and data; {@code toString} prints the data's keys only. */
    public record FirstBootData(String hostname, Map<String, String> data) {
        public FirstBootData {
            data = data == null ? Map.of() : Map.copyOf(data);
        }

        @Override
        public String toString() {
            return "FirstBootData[hostname=" + hostname + ", keys=" + data.keySet() + "]";
        }
    }
}
