package io.pxereimage.runtime.net;

import java.util.HexFormat;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An Ethernet MAC address. Shared by the codecs (DHCP chaddr) and the decision code (boot plans are keyed by MAC),
 * so it lives in neither.
 */
public record MacAddress(long bits) implements Comparable<MacAddress> {

    public MacAddress {
        if ((bits >>> 48) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits");
        }
    }

    /** Parses {@code 52:54:00:12:34:56}, {@code 52-54-00-12-34-56} or {@code 525400123456}, any case. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MacAddress parse(String text) {
        String hex = text.trim().replace(":", "").replace("-", "");
        if (hex.length() != 12) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        try {
            return new MacAddress(Long.parseUnsignedLong(hex, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'", e);
        }
    }

    /** The first six bytes of {@code bytes} from {@code offset} (a DHCP chaddr field, for instance). */
    public static MacAddress of(byte[] bytes, int offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return new MacAddress(v);
    }

    public byte[] toBytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (bits >>> (40 - 8 * i));
        }
        return b;
    }

    /** Lower-case, colon-separated: the form used in logs, URLs and config files. */
    @JsonValue
    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(toBytes()).toLowerCase(Locale.ROOT);
    }

    @Override
    public int compareTo(MacAddress o) {
        return Long.compare(bits, o.bits);
    }
}
