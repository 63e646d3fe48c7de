package io.pxereimage.runtime.net;

import java.net.Inet4Address;


/** An IPv4 subnet: the network address (no host bits) and the prefix length 1..32 (election, relayed DHCP scopes). */
public record Subnet(int network, int prefixLength) {

    public Subnet {
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 1..32");
        }
        if ((network & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(Ip4.of(network).getHostAddress() + "/" + prefixLength
                    + " has host bits set");
        }
    }

    /** The subnet of {@code address}/{@code prefixLength}. */
    public static Subnet of(Inet4Address address, int prefixLength) {
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 1..32");
        }
        return new Subnet(Ip4.toInt(address) & mask(prefixLength), prefixLength);
    }

    /** Parses {@code 10.0.0.0/24} (host bits are an error: a typo, not a subnet). */
    public static Subnet parse(String cidr) {
        int slash = cidr == null ? -1 : cidr.indexOf('/');
        if (slash < 0 || !cidr.substring(slash + 1).matches("\\d{1,2}")) {
            throw new IllegalArgumentException("not a subnet (a.b.c.d/len): '" + cidr + "'");
        }
        Inet4Address a = Ip4.parse(cidr.substring(0, slash));
        return new Subnet(Ip4.toInt(a), Integer.parseInt(cidr.substring(slash + 1)));
    }

    /** The subnet mask as an address, e.g. 255.255.255.0 for /24. */
    public Inet4Address mask() {
        return Ip4.of(mask(prefixLength));
    }

    static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(Inet4Address a) {
        return (Ip4.toInt(a) & mask(prefixLength)) == network;
    }

    /** The directed broadcast address (announcements go there: it needs no default route). */
    public Inet4Address broadcast() {
        return Ip4.of(network | ~mask(prefixLength));
    }

    @Override
    public String toString() {
        return Ip4.of(network).getHostAddress() + "/" + prefixLength;
    }
}
