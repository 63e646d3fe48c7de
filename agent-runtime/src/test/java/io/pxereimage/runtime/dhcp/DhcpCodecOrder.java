package io.pxereimage.runtime.dhcp;

import java.util.ArrayList;
import java.util.List;

/** The option codes of an encoded packet, in wire order. */
public final class DhcpCodecOrder {
    private DhcpCodecOrder() {
    }

    public static List<Integer> codes(byte[] p) {
        List<Integer> l = new ArrayList<>();
        int i = 240;
        while (i < p.length && (p[i] & 0xff) != 255) {
            if (p[i] == 0) {
                i++;
                continue;
            }
            l.add(p[i] & 0xff);
            i += 2 + (p[i + 1] & 0xff);
        }
        return l;
    }
}
