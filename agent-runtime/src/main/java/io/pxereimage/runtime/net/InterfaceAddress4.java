package io.pxereimage.runtime.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;

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

    public static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    public static Inet4Address fromInt(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(
                    new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }

    public int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public Inet4Address subnetMask() {
        return fromInt(mask());
    }

    /** The first host address of the subnet. */
    public Inet4Address firstHost() {
        return fromInt((toInt(address) & mask()) + 1);
    }

    /** The last host address of the subnet (before broadcast). */
    public Inet4Address lastHost() {
        return fromInt((toInt(address) | ~mask()) - 1);
    }
}
