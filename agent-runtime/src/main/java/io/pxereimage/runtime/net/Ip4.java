package io.pxereimage.runtime.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 address helpers: DHCP fields are 32-bit numbers, the JDK wants {@link Inet4Address}. */
public final class Ip4 {
    public static final Inet4Address ANY = of(0);
    public static final Inet4Address BROADCAST = of(0xffffffff);

    private Ip4() {
    }

    public static Inet4Address of(int bits) {
        byte[] b = {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
        return of(b, 0);
    }

    public static Inet4Address of(byte[] bytes, int offset) {
        byte[] b = {bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always a valid address
        }
    }

    /** Parses a dotted quad literal (never a host name: no DNS look-ups on the packet path). */
    public static Inet4Address parse(String text) {
        String[] parts = text.trim().split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int v = 0;
        for (String p : parts) {
            int n;
            try {
                n = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'", e);
            }
            if (n < 0 || n > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            v = (v << 8) | n;
        }
        return of(v);
    }

    public static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    public static boolean isZero(Inet4Address a) {
        return a == null || toInt(a) == 0;
    }
}
