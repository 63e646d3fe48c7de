package io.pxereimage.runtime.dhcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pxereimage.runtime.net.Ip4;

/**
 * DHCPv4 wire format (RFC 2131 section 2, RFC 2132, RFC 3396 long options). Static and free of I/O.
 *
 * <p>Limits: {@link #HEADER_LENGTH} + cookie is the smallest packet accepted; encoded packets are at least
 * {@link #MIN_PACKET} bytes (RFC 1542 BOOTP minimum, some relays and ROMs drop shorter ones) and at most the
 * client's option 57 minus IP/UDP headers, or {@link #DEFAULT_MAX_PACKET} when it sent none (576 - 28, the size
 * every client must accept).
 */
public final class DhcpCodec {
    public static final int HEADER_LENGTH = 236;
    public static final int MAGIC_COOKIE = 0x63825363;
    public static final int MIN_PACKET = 300;
    public static final int DEFAULT_MAX_PACKET = 576 - 28;
    /** Our largest reply: an Ethernet MTU minus IP and UDP headers. */
    public static final int MAX_PACKET = 1500 - 28;

    private DhcpCodec() {
    }

    public static DhcpMessage decode(byte[] packet) throws DhcpCodecException {
        return decode(ByteBuffer.wrap(packet));
    }

    /** Decodes the remaining bytes of {@code buf} (its position is advanced to the limit). */
    public static DhcpMessage decode(ByteBuffer buf) throws DhcpCodecException {
        byte[] p = new byte[buf.remaining()];
        buf.get(p);
        if (p.length < HEADER_LENGTH) {
            throw new DhcpCodecException("header", "truncated: " + p.length + " of " + HEADER_LENGTH + " bytes");
        }
        if (p.length < HEADER_LENGTH + 4) {
            throw new DhcpCodecException("magic cookie", "truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        int op = b.get(0) & 0xff;
        if (op != DhcpMessage.BOOTREQUEST && op != DhcpMessage.BOOTREPLY) {
            throw new DhcpCodecException("op", "not a BOOTP operation: " + op);
        }
        int hlen = b.get(2) & 0xff;
        if (hlen > 16) {
            throw new DhcpCodecException("hlen", "longer than chaddr: " + hlen);
        }
        if (b.getInt(HEADER_LENGTH) != MAGIC_COOKIE) {
            throw new DhcpCodecException("magic cookie", String.format("0x%08x", b.getInt(HEADER_LENGTH)));
        }
        DhcpMessage.Builder m = DhcpMessage.builder().op(op).htype(b.get(1) & 0xff).hlen(hlen).hops(b.get(3) & 0xff)
                .xid(b.getInt(4)).secs(b.getShort(8) & 0xffff).flags(b.getShort(10) & 0xffff)
                .ciaddr(Ip4.of(p, 12)).yiaddr(Ip4.of(p, 16)).siaddr(Ip4.of(p, 20)).giaddr(Ip4.of(p, 24))
                .chaddr(java.util.Arrays.copyOfRange(p, 28, 44));

        LinkedHashMap<Integer, byte[]> options = new LinkedHashMap<>();
        parseOptions(p, HEADER_LENGTH + 4, p.length, options, "options");
        int overload = overload(options);
        // RFC 3396 section 7: options field, then file, then sname, concatenated in that order.
        if ((overload & 1) != 0) {
            parseOptions(p, 108, 236, options, "file (overloaded)");
        } else {
            m.file(cString(p, 108, 128));
        }
        if ((overload & 2) != 0) {
            parseOptions(p, 44, 108, options, "sname (overloaded)");
        } else {
            m.sname(cString(p, 44, 64));
        }
        if (!options.containsKey(DhcpOption.MESSAGE_TYPE.code())) {
            throw new DhcpCodecException("option 53", "missing (BOOTP without DHCP is not served)");
        }
        if (options.get(DhcpOption.MESSAGE_TYPE.code()).length != 1) {
            throw new DhcpCodecException("option 53", "length must be 1");
        }
        options.forEach((code, v) -> m.option(DhcpOption.valueOf(code), v));
        return m.build();
    }

    private static int overload(Map<Integer, byte[]> options) throws DhcpCodecException {
        byte[] v = options.get(DhcpOption.OVERLOAD.code());
        if (v == null) {
            return 0;
        }
        if (v.length != 1 || (v[0] & 0xff) < 1 || (v[0] & 0xff) > 3) {
            throw new DhcpCodecException("option 52", "overload value must be one byte 1..3");
        }
        return v[0];
    }

    private static void parseOptions(byte[] p, int from, int to, Map<Integer, byte[]> out, String where)
            throws DhcpCodecException {
        int i = from;
        while (i < to) {
            int code = p[i++] & 0xff;
            if (code == 0) {
                continue;
            }
            if (code == 255) {
                return;
            }
            if (i >= to) {
                throw new DhcpCodecException("option " + code, "length missing at the end of " + where);
            }
            int len = p[i++] & 0xff;
            if (i + len > to) {
                throw new DhcpCodecException("option " + code, len + " bytes overrun the " + where);
            }
            byte[] v = java.util.Arrays.copyOfRange(p, i, i + len);
            out.merge(code, v, SubOptions::concat); // RFC 3396: repeated codes concatenate
            i += len;
        }
        // No end option: tolerated, several ROMs end with padding only.
    }

    private static String cString(byte[] p, int offset, int length) {
        int n = 0;
        while (n < length && p[offset + n] != 0) {
            n++;
        }
        return new String(p, offset, n, StandardCharsets.ISO_8859_1);
    }

    /** Encodes {@code m} as is (options in its order), up to {@link #MAX_PACKET} bytes. */
    public static byte[] encode(DhcpMessage m) throws DhcpCodecException {
        return encode(m, new ArrayList<>(m.options().keySet()), MAX_PACKET);
    }

    /**
     * Encodes a reply for {@code request}: 53 and 54 first, then the options in the order of the client's
     * parameter request list (55), then the rest; packet no longer than the client accepts (57). Options that do
     * not fit are left out, last first; 53 always fits.
     */
    public static byte[] encodeReply(DhcpMessage reply, DhcpMessage request) throws DhcpCodecException {
        List<Integer> order = new ArrayList<>();
        order.add(DhcpOption.MESSAGE_TYPE.code());
        order.add(DhcpOption.SERVER_ID.code());
        // The relay's option 82 early, so that the size cap never drops it (RFC 3046: the server MUST echo it).
        order.add(DhcpOption.RELAY_AGENT_INFO.code());
        order.addAll(request.parameterRequestList());
        order.addAll(reply.options().keySet());
        List<Integer> present = new ArrayList<>();
        for (int code : order) {
            if (reply.options().containsKey(code) && !present.contains(code)) {
                present.add(code);
            }
        }
        int max = request.maxMessageSize().orElse(576);
        max = Math.max(576, max) - 28;
        return encode(reply, present, Math.min(max, MAX_PACKET));
    }

    private static byte[] encode(DhcpMessage m, List<Integer> order, int maxPacket) throws DhcpCodecException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(maxPacket, MIN_PACKET));
        b.put((byte) m.op()).put((byte) m.htype()).put((byte) m.hlen()).put((byte) m.hops());
        b.putInt(m.xid()).putShort((short) m.secs()).putShort((short) m.flags());
        b.put(m.ciaddr().getAddress()).put(m.yiaddr().getAddress()).put(m.siaddr().getAddress())
                .put(m.giaddr().getAddress()).put(m.chaddr());
        putString(b, m.sname(), 64, "sname");
        putString(b, m.file(), 128, "file");
        b.putInt(MAGIC_COOKIE);
        for (int code : order) {
            if (code == DhcpOption.OVERLOAD.code()) {
                continue; // we never overload sname/file; a decoded flag would make them parse as options
            }
            byte[] v = m.options().get(code);
            int chunks = Math.max(1, (v.length + 254) / 255);
            int size = v.length + 2 * chunks;
            if (b.position() + size + 1 > maxPacket) {
                if (code == DhcpOption.MESSAGE_TYPE.code()) {
                    throw new DhcpCodecException("option 53", "does not fit in " + maxPacket + " bytes");
                }
                continue;
            }
            // RFC 3396: a value longer than 255 bytes goes out as consecutive options with the same code.
            for (int off = 0, c = 0; c < chunks; c++) {
                int len = Math.min(255, v.length - off);
                b.put((byte) code).put((byte) len).put(v, off, len);
                off += len;
            }
        }
        b.put((byte) 255);
        while (b.position() < MIN_PACKET) {
            b.put((byte) 0);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static void putString(ByteBuffer b, String s, int size, String field) throws DhcpCodecException {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        if (v.length >= size) {
            throw new DhcpCodecException(field, "longer than " + (size - 1) + " bytes: " + s);
        }
        b.put(v).put(new byte[size - v.length]);
    }
}
