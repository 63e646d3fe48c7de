package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;

import io.pxereimage.runtime.net.Ip4;

/**
 * The addresses of one subnet that is not ours but reaches us through a relay (DHCP mode): a request whose giaddr
 * lies in {@code network/prefixLength} gets its lease from this range (RFC 2131 4.3.1: "the subnet from which the
 * message was received", which giaddr names), its subnet mask and router from here.
 *
 * @param router option 3; null: giaddr itself (the relay is normally the subnet's router)
 * @param dns option 6, may be empty
 */
public record RelayScope(Inet4Address network, int prefixLength, Inet4Address rangeStart, Inet4Address rangeEnd,
                         Inet4Address router, List<Inet4Address> dns) {

    public RelayScope {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(rangeStart, "rangeStart");
        Objects.requireNonNull(rangeEnd, "rangeEnd");
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not 8..30");
        }
        network = Ip4.of(Ip4.toInt(network) & maskBits(prefixLength));
        dns = List.copyOf(dns == null ? List.of() : dns);
        String cidr = network.getHostAddress() + "/" + prefixLength;
        if (!inside(network, prefixLength, rangeStart) || !inside(network, prefixLength, rangeEnd)
                || Integer.compareUnsigned(Ip4.toInt(rangeStart), Ip4.toInt(rangeEnd)) > 0) {
            throw new IllegalArgumentException("range " + rangeStart.getHostAddress() + ".."
                    + rangeEnd.getHostAddress() + " is not an ascending range inside " + cidr);
        }
        if (router != null && !inside(network, prefixLength, router)) {
            throw new IllegalArgumentException("router " + router.getHostAddress() + " is not inside " + cidr);
        }
    }

    public boolean contains(Inet4Address a) {
        return inside(network, prefixLength, a);
    }

    private static boolean inside(Inet4Address network, int prefixLength, Inet4Address a) {
        return (Ip4.toInt(a) & maskBits(prefixLength)) == Ip4.toInt(network);
    }

    public Inet4Address subnetMask() {
        return Ip4.of(maskBits(prefixLength));
    }

    public String cidr() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    /** The lease journal of this scope, next to the main {@code leases.journal}. */
    public String journalName() {
        return "leases-" + network.getHostAddress() + "_" + prefixLength + ".journal";
    }

    private static int maskBits(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }
}
