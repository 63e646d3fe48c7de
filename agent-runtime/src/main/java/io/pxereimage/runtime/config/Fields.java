package io.pxereimage.runtime.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Small validators shared by the config records. Each message starts with the field it is about. */
final class Fields {
    private Fields() {
    }

    /** Parses a dotted-quad IPv4 literal without ever doing a DNS look-up. */
    static Inet4Address ipv4(String field, String text) {
        if (text == null || !text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException(field + ": not an IPv4 address: '" + text + "'");
        }
        try {
            InetAddress a = InetAddress.getByName(text);
            if (a instanceof Inet4Address v4) {
                return v4;
            }
        } catch (UnknownHostException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(field + ": not an IPv4 address: '" + text + "'");
    }

    static int port(String field, Integer value, int fallback) {
        int v = value == null ? fallback : value;
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException(field + ": port out of range 0..65535: " + v);
        }
        return v;
    }

    static int range(String field, Integer value, int fallback, int min, int max) {
        int v = value == null ? fallback : value;
        if (v < min || v > max) {
            throw new IllegalArgumentException(field + ": " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    static void unique(String field, List<String> values) {
        Set<String> seen = new HashSet<>();
        for (String v : values) {
            if (!seen.add(v)) {
                throw new IllegalArgumentException(field + ": " + v + " appears twice");
            }
        }
    }
}
