package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.Subnet;

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
        Subnet subnet = Subnet.of(network, prefixLength);
        network = Ip4.of(subnet.network());
        dns = List.copyOf(dns == null ? List.of() : dns);
        String cidr = subnet.toString();
        if (!subnet.contains(rangeStart) || !subnet.contains(rangeEnd)
                || Integer.compareUnsigned(Ip4.toInt(rangeStart), Ip4.toInt(rangeEnd)) > 0) {
            throw new IllegalArgumentException("range " + rangeStart.getHostAddress() + ".."
                    + rangeEnd.getHostAddress() + " is not an ascending range inside " + cidr);
        }
        if (router != null && !subnet.contains(router)) {
            throw new IllegalArgumentException("router " + router.getHostAddress() + " is not inside " + cidr);
        }
    }

    public Subnet subnet() {
        return Subnet.of(network, prefixLength);
    }

    public boolean contains(Inet4Address a) {
        return subnet().contains(a);
    }

    public Inet4Address subnetMask() {
        return subnet().mask();
    }

    public String cidr() {
        return subnet().toString();
    }

    /** The lease journal of this scope, next to the main {@code leases.journal}. */
    public String journalName() {
        return "leases-" + network.getHostAddress() + "_" + prefixLength + ".journal";
    }
}
