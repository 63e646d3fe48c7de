package io.pxereimage.runtime.config;

import java.util.List;

import io.pxereimage.runtime.dhcp.RelayScope;
import io.pxereimage.runtime.net.Subnet;
import io.pxereimage.runtime.net.Ip4;

/**
 * A subnet whose clients reach this runtime through a relay (IP helper), dhcp mode: requests relayed with a giaddr
 * inside {@code subnet} get an address from this range (docs/relay.md).
 *
 * @param subnet {@code a.b.c.d/len}, the client subnet the relay serves
 * @param rangeStart first address handed out there
 * @param rangeEnd last address handed out there
 * @param router option 3; default: the relay's giaddr (its address on that subnet)
 * @param dns option 6; default: the dhcp section's
 */
public record RelayedSubnet(String subnet, String rangeStart, String rangeEnd, String router, List<String> dns) {

    public RelayedSubnet {
        if (subnet == null) {
            throw new IllegalArgumentException("subnet: required (a.b.c.d/len)");
        }
        if (rangeStart == null || rangeEnd == null) {
            throw new IllegalArgumentException((rangeStart == null ? "rangeStart" : "rangeEnd")
                    + ": required (the addresses handed out on " + subnet + ")");
        }
        dns = dns == null ? List.of() : List.copyOf(dns);
        scope(subnet, rangeStart, rangeEnd, router, dns); // validates here, so a bad field is reported with its line
    }

    public RelayScope toScope() {
        return scope(subnet, rangeStart, rangeEnd, router, dns);
    }

    private static RelayScope scope(String subnet, String rangeStart, String rangeEnd, String router,
            List<String> dns) {
        Subnet s;
        try {
            s = Subnet.parse(subnet.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("subnet: " + e.getMessage());
        }
        var start = Fields.ipv4("rangeStart", rangeStart);
        var end = Fields.ipv4("rangeEnd", rangeEnd);
        var gw = router == null ? null : Fields.ipv4("router", router);
        var servers = dns.stream().map(d -> Fields.ipv4("dns", d)).toList();
        if (s.prefixLength() < 8 || s.prefixLength() > 30) {
            throw new IllegalArgumentException("subnet: prefix length " + s.prefixLength() + " is not 8..30");
        }
        if (!s.contains(start) || !s.contains(end)) {
            throw new IllegalArgumentException((s.contains(start) ? "rangeEnd" : "rangeStart") + ": "
                    + (s.contains(start) ? rangeEnd : rangeStart) + " is not inside " + s);
        }
        try {
            return new RelayScope(Ip4.of(s.network()), s.prefixLength(), start, end, gw, servers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((e.getMessage().startsWith("router") ? "router: " : "rangeEnd: ")
                    + e.getMessage());
        }
    }
}
