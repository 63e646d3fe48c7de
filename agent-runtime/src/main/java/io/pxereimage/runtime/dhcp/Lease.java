package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.time.Instant;
import java.util.Objects;

import io.pxereimage.runtime.net.MacAddress;

/**
 * An address held for a client: briefly while offered, for the lease time once bound.
 *
 * @param mac the client (leases are keyed by chaddr, see {@link LeasePool})
 * @param address the leased address
 * @param state {@link State#OFFERED} or {@link State#BOUND}
 * @param expires when the address returns to the pool
 */
public record Lease(MacAddress mac, Inet4Address address, State state, Instant expires) {
    public enum State { OFFERED, BOUND }

    public Lease {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(expires, "expires");
    }

    /** Seconds left at {@code now}, at least 0. */
    /** Rounded up: a lease granted a moment ago still states its full time, not one second less. */
    public long secondsLeft(Instant now) {
        long millis = expires.toEpochMilli() - now.toEpochMilli();
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }
}
