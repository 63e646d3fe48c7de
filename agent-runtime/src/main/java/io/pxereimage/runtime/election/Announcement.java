package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import java.net.Inet4Address;

/**
 * One election message: "runtime {@code id} at {@code address}, weight {@code weight}, is {@code role} on
 * {@code subnet}". Sent every announce interval and at once on every role change.
 *
 * @param id the runtime's id, unique on the subnet (default: its IPv4 address as a number); never 0
 * @param weight 0..65535, higher wins; 0 never becomes responder
 * @param busy the sender is in the middle of a boot or transfer: it does not hand over now
 * @param epoch the sender's start time in epoch milliseconds: a restart announces a larger epoch
 * @param seq counts the sender's announcements within its epoch (0..2^32-1); with the epoch, it rejects replays
 */
public record Announcement(Subnet subnet, long id, Inet4Address address, int weight, Role role, boolean busy,
        long epoch, long seq) {

    public Announcement {
        if (id == 0) {
            throw new IllegalArgumentException("id: 0 is not a runtime id");
        }
        if (weight < 0 || weight > 0xffff) {
            throw new IllegalArgumentException("weight: " + weight + " is outside 0..65535");
        }
        if (seq < 0 || seq > 0xffffffffL) {
            throw new IllegalArgumentException("seq: " + seq + " is outside 0..2^32-1");
        }
        if (role == null || subnet == null || address == null) {
            throw new IllegalArgumentException("subnet, address and role are required");
        }
    }
}
