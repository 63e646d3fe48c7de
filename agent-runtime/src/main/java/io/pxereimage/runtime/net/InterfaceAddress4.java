package io.pxereimage.runtime.net;

import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * An interface's IPv4 address and prefix, and the subnet arithmetic the runtime needs (default DHCP range).
 */
public record InterfaceAddress4(String interfaceName, Inet4Address address, int prefixLength) {

    /** The first IPv4 address of the named interface, or an exception that says what is wrong. */
    public static InterfaceAddress4 of(String interfaceName) {
        NetworkInterface nic;
        try {
            nic = NetworkInterface.getByName(interfaceName);
        } catch (SocketException e) {
            throw new IllegalArgumentException("interface " + interfaceName + ": " + e.getMessage(), e);
        }
        if (nic == null) {
            throw new IllegalArgumentException("interface " + interfaceName + ": no such interface");
        }
        for (InterfaceAddress a : nic.getInterfaceAddresses()) {
            if (a.getAddress() instanceof Inet4Address v4) {
                return new InterfaceAddress4(interfaceName, v4, a.getNetworkPrefixLength());
            }
        }
        throw new IllegalArgumentException("interface " + interfaceName + ": has no IPv4 address");
    }

    public int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public Inet4Address subnetMask() {
        return Ip4.of(mask());
    }

    /** The first host address of the subnet. */
    public Inet4Address firstHost() {
        return Ip4.of((Ip4.toInt(address) & mask()) + 1);
    }

    /** The last host address of the subnet (before broadcast). */
    public Inet4Address lastHost() {
        return Ip4.of((Ip4.toInt(address) | ~mask()) - 1);
    }
}
