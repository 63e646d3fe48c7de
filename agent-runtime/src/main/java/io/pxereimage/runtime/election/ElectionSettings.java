package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import java.net.Inet4Address;

/**
 * One runtime's election parameters (config section {@code election}, docs/election.md).
 *
 * @param subnet the subnet the runtime answers on; announcements for another subnet are ignored
 * @param id unique on the subnet; ties of weight go to the lower id
 * @param address this runtime's address on the subnet (shown to peers and in the API)
 * @param weight 0..65535, higher wins; 0 never becomes responder
 * @param waitMillis how long a candidate waits, hearing no responder and no better candidate, before it answers
 * @param intervalMillis announce period
 * @param missed announcements missed before a peer counts as gone: dead after {@code missed * intervalMillis}
 * @param port UDP port of the announcements (2012, as PXE Everywhere)
 */
public record ElectionSettings(Subnet subnet, long id, Inet4Address address, int weight, long waitMillis,
        long intervalMillis, int missed, int port) {

    public static final int DEFAULT_PORT = 2012;
    public static final long DEFAULT_WAIT_MILLIS = 1000;
    public static final long DEFAULT_INTERVAL_MILLIS = 500;
    public static final int DEFAULT_MISSED = 3;

    public ElectionSettings {
        if (id == 0) {
            throw new IllegalArgumentException("id: 0 is not a runtime id");
        }
        if (weight < 0 || weight > 0xffff) {
            throw new IllegalArgumentException("weight: " + weight + " is outside 0..65535");
        }
        if (intervalMillis <= 0 || waitMillis < 0 || missed < 2) {
            throw new IllegalArgumentException("interval > 0, wait >= 0 and missed >= 2 are required");
        }
    }

    /** A peer not heard for this long is gone (dead, or cut off from us). */
    public long deadAfterMillis() {
        return missed * intervalMillis;
    }

    /** The worst case from a responder's last announcement to a successor answering, without a busy hold. */
    public long failoverMillis() {
        return deadAfterMillis() + waitMillis + intervalMillis;
    }
}
