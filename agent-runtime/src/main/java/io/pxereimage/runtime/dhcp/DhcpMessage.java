package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * One DHCPv4 message (RFC 2131 header plus options), immutable. Options are kept in order, raw, keyed by code;
 * the typed accessors interpret the ones this project uses and everything else survives a round trip. Build one
 * with {@link #builder()} or derive one with {@link #toBuilder()}.
 */
public final class DhcpMessage {
    public static final int BOOTREQUEST = 1;
    public static final int BOOTREPLY = 2;
    public static final int FLAG_BROADCAST = 0x8000;

    private final int op;
    private final int htype;
    private final int hlen;
    private final int hops;
    private final int xid;
    private final int secs;
    private final int flags;
    private final Inet4Address ciaddr;
    private final Inet4Address yiaddr;
    private final Inet4Address siaddr;
    private final Inet4Address giaddr;
    private final byte[] chaddr;
    private final String sname;
    private final String file;
    private final Map<Integer, byte[]> options;

    private DhcpMessage(Builder b) {
        op = b.op;
        htype = b.htype;
        hlen = b.hlen;
        hops = b.hops;
        xid = b.xid;
        secs = b.secs;
        flags = b.flags;
        ciaddr = b.ciaddr;
        yiaddr = b.yiaddr;
        siaddr = b.siaddr;
        giaddr = b.giaddr;
        chaddr = b.chaddr.clone();
        sname = b.sname;
        file = b.file;
        options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().op(op).htype(htype).hlen(hlen).hops(hops).xid(xid).secs(secs).flags(flags)
                .ciaddr(ciaddr).yiaddr(yiaddr).siaddr(siaddr).giaddr(giaddr).chaddr(chaddr).sname(sname).file(file);
        b.options.putAll(options);
        return b;
    }

    // ---- header ----
    public int op() { return op; }
    public int htype() { return htype; }
    public int hlen() { return hlen; }
    public int hops() { return hops; }
    public int xid() { return xid; }
    public int secs() { return secs; }
    public int flags() { return flags; }
    public boolean broadcast() { return (flags & FLAG_BROADCAST) != 0; }
    public Inet4Address ciaddr() { return ciaddr; }
    public Inet4Address yiaddr() { return yiaddr; }
    public Inet4Address siaddr() { return siaddr; }
    public Inet4Address giaddr() { return giaddr; }
    public byte[] chaddr() { return chaddr.clone(); }
    public String sname() { return sname; }
    public String file() { return file; }

    /** The Ethernet address in chaddr, empty unless htype 1 / hlen 6. */
    public Optional<MacAddress> mac() {
        return htype == 1 && hlen == 6 ? Optional.of(MacAddress.of(chaddr, 0)) : Optional.empty();
    }

    // ---- options, raw ----
    /** All options in wire order, code to value (repeated codes already concatenated, RFC 3396). */
    public Map<Integer, byte[]> options() {
        return options;
    }

    public boolean has(DhcpOption o) {
        return options.containsKey(o.code());
    }

    public Optional<byte[]> option(DhcpOption o) {
        byte[] v = options.get(o.code());
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    // ---- options, typed ----
    public Optional<MessageType> messageType() {
        return bytes(DhcpOption.MESSAGE_TYPE, 1).map(v -> MessageType.valueOf(v[0] & 0xff));
    }

    public Optional<Inet4Address> serverId() { return address(DhcpOption.SERVER_ID); }
    public Optional<Inet4Address> requestedIp() { return address(DhcpOption.REQUESTED_IP); }
    public Optional<Inet4Address> subnetMask() { return address(DhcpOption.SUBNET_MASK); }
    public List<Inet4Address> routers() { return addresses(DhcpOption.ROUTER); }
    public List<Inet4Address> dns() { return addresses(DhcpOption.DNS); }
    public OptionalInt leaseTime() { return u32(DhcpOption.LEASE_TIME); }
    public OptionalInt renewalTime() { return u32(DhcpOption.RENEWAL_TIME); }
    public OptionalInt rebindingTime() { return u32(DhcpOption.REBINDING_TIME); }

    /** Option 55 as a list of option codes, in the client's order. */
    public List<Integer> parameterRequestList() {
        byte[] v = options.get(DhcpOption.PARAMETER_REQUEST_LIST.code());
        List<Integer> l = new ArrayList<>();
        if (v != null) {
            for (byte c : v) {
                l.add(c & 0xff);
            }
        }
        return l;
    }

    public OptionalInt maxMessageSize() {
        return bytes(DhcpOption.MAX_MESSAGE_SIZE, 2).map(v -> OptionalInt.of(((v[0] & 0xff) << 8) | (v[1] & 0xff)))
                .orElse(OptionalInt.empty());
    }

    public Optional<String> vendorClass() { return text(DhcpOption.VENDOR_CLASS); }
    public Optional<String> hostname() { return text(DhcpOption.HOSTNAME); }
    public Optional<String> tftpServer() { return text(DhcpOption.TFTP_SERVER); }
    public Optional<String> bootfile() { return text(DhcpOption.BOOTFILE); }
    public Optional<byte[]> clientId() { return option(DhcpOption.CLIENT_ID); }

    /** Option 77 as raw bytes: iPXE sends the bare string {@code iPXE}, not RFC 3004 length-prefixed classes. */
    public Optional<byte[]> userClass() { return option(DhcpOption.USER_CLASS); }

    /** Option 93: the architecture codes the client listed (RFC 4578 allows several; the first is used). */
    public List<Integer> clientArchs() {
        byte[] v = options.get(DhcpOption.CLIENT_ARCH.code());
        List<Integer> l = new ArrayList<>();
        if (v != null) {
            for (int i = 0; i + 1 < v.length; i += 2) {
                l.add(((v[i] & 0xff) << 8) | (v[i + 1] & 0xff));
            }
        }
        return l;
    }

    public OptionalInt clientArch() {
        List<Integer> l = clientArchs();
        return l.isEmpty() ? OptionalInt.empty() : OptionalInt.of(l.get(0));
    }

    /** Option 94 (client network device interface: type, major, minor), raw. */
    public Optional<byte[]> clientNdi() { return option(DhcpOption.CLIENT_NDI); }

    /** The 16 UUID bytes of option 97 when it has the RFC 4578 form (type 0 + 16 bytes). Some ROMs omit 97. */
    public Optional<byte[]> clientUuid() {
        return bytes(DhcpOption.CLIENT_UUID, 17).filter(v -> v[0] == 0).map(v -> Arrays.copyOfRange(v, 1, 17));
    }

    /** Option 43 decoded as PXE sub-options (leniently: see {@link SubOptions#decodeLenient}). */
    public Optional<SubOptions> vendorSpecific() {
        return option(DhcpOption.VENDOR_SPECIFIC).map(SubOptions::decodeLenient);
    }

    /** Option 175 (iPXE) decoded as sub-options; its mere presence identifies iPXE. */
    public Optional<SubOptions> ipxe() {
        return option(DhcpOption.IPXE_ENCAPSULATED).map(SubOptions::decodeLenient);
    }

    /** Option 52: 1 = file holds options, 2 = sname does, 3 = both. 0 when absent. */
    public int overload() {
        return bytes(DhcpOption.OVERLOAD, 1).map(v -> v[0] & 0xff).orElse(0);
    }

    private Optional<byte[]> bytes(DhcpOption o, int minLength) {
        byte[] v = options.get(o.code());
        return v != null && v.length >= minLength ? Optional.of(v) : Optional.empty();
    }

    private Optional<Inet4Address> address(DhcpOption o) {
        return bytes(o, 4).map(v -> Ip4.of(v, 0));
    }

    private List<Inet4Address> addresses(DhcpOption o) {
        byte[] v = options.get(o.code());
        List<Inet4Address> l = new ArrayList<>();
        for (int i = 0; v != null && i + 3 < v.length; i += 4) {
            l.add(Ip4.of(v, i));
        }
        return l;
    }

    private OptionalInt u32(DhcpOption o) {
        return bytes(o, 4).map(v -> OptionalInt.of(((v[0] & 0xff) << 24) | ((v[1] & 0xff) << 16)
                | ((v[2] & 0xff) << 8) | (v[3] & 0xff))).orElse(OptionalInt.empty());
    }

    private Optional<String> text(DhcpOption o) {
        byte[] v = options.get(o.code());
        if (v == null) {
            return Optional.empty();
        }
        int n = v.length;
        while (n > 0 && v[n - 1] == 0) {
            n--; // some clients NUL-terminate strings
        }
        return Optional.of(new String(v, 0, n, StandardCharsets.ISO_8859_1));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DhcpMessage{op=").append(op).append(", xid=")
                .append(Integer.toHexString(xid)).append(", chaddr=")
                .append(HexFormat.of().formatHex(chaddr, 0, Math.min(hlen, 16)));
        messageType().ifPresent(t -> s.append(", type=").append(t));
        s.append(", ciaddr=").append(ciaddr.getHostAddress()).append(", yiaddr=").append(yiaddr.getHostAddress())
                .append(", siaddr=").append(siaddr.getHostAddress()).append(", giaddr=").append(giaddr.getHostAddress());
        if (!file.isEmpty()) {
            s.append(", file=").append(file);
        }
        s.append(", options=").append(options.keySet()).append('}');
        return s.toString();
    }

    /** Mutable builder; every field defaults to zero/empty, op to BOOTREQUEST, htype/hlen to Ethernet. */
    public static final class Builder {
        private int op = BOOTREQUEST;
        private int htype = 1;
        private int hlen = 6;
        private int hops;
        private int xid;
        private int secs;
        private int flags;
        private Inet4Address ciaddr = Ip4.ANY;
        private Inet4Address yiaddr = Ip4.ANY;
        private Inet4Address siaddr = Ip4.ANY;
        private Inet4Address giaddr = Ip4.ANY;
        private byte[] chaddr = new byte[16];
        private String sname = "";
        private String file = "";
        private final LinkedHashMap<Integer, byte[]> options = new LinkedHashMap<>();

        public Builder op(int v) { op = v; return this; }
        public Builder htype(int v) { htype = v; return this; }
        public Builder hlen(int v) { hlen = v; return this; }
        public Builder hops(int v) { hops = v; return this; }
        public Builder xid(int v) { xid = v; return this; }
        public Builder secs(int v) { secs = v; return this; }
        public Builder flags(int v) { flags = v; return this; }
        public Builder broadcast(boolean on) { flags = on ? flags | FLAG_BROADCAST : flags & ~FLAG_BROADCAST; return this; }
        public Builder ciaddr(Inet4Address v) { ciaddr = v == null ? Ip4.ANY : v; return this; }
        public Builder yiaddr(Inet4Address v) { yiaddr = v == null ? Ip4.ANY : v; return this; }
        public Builder siaddr(Inet4Address v) { siaddr = v == null ? Ip4.ANY : v; return this; }
        public Builder giaddr(Inet4Address v) { giaddr = v == null ? Ip4.ANY : v; return this; }
        public Builder sname(String v) { sname = v == null ? "" : v; return this; }
        public Builder file(String v) { file = v == null ? "" : v; return this; }

        public Builder chaddr(byte[] v) {
            chaddr = Arrays.copyOf(v, 16);
            return this;
        }

        public Builder mac(MacAddress mac) {
            htype = 1;
            hlen = 6;
            return chaddr(mac.toBytes());
        }

        /** Sets (replaces) a raw option; re-setting keeps its original position. */
        public Builder option(DhcpOption o, byte[] value) {
            if (o.code() == 0 || o.code() == 255) {
                throw new IllegalArgumentException("pad and end are not options");
            }
            options.put(o.code(), value.clone());
            return this;
        }

        public Builder remove(DhcpOption o) {
            options.remove(o.code());
            return this;
        }

        public Builder clearOptions() {
            options.clear();
            return this;
        }

        public Builder messageType(MessageType t) { return option(DhcpOption.MESSAGE_TYPE, new byte[] {(byte) t.code()}); }
        public Builder serverId(Inet4Address a) { return option(DhcpOption.SERVER_ID, a.getAddress()); }
        public Builder requestedIp(Inet4Address a) { return option(DhcpOption.REQUESTED_IP, a.getAddress()); }
        public Builder subnetMask(Inet4Address a) { return option(DhcpOption.SUBNET_MASK, a.getAddress()); }
        public Builder routers(List<Inet4Address> l) { return option(DhcpOption.ROUTER, concat(l)); }
        public Builder dns(List<Inet4Address> l) { return option(DhcpOption.DNS, concat(l)); }
        public Builder leaseTime(int seconds) { return option(DhcpOption.LEASE_TIME, u32(seconds)); }
        public Builder renewalTime(int seconds) { return option(DhcpOption.RENEWAL_TIME, u32(seconds)); }
        public Builder rebindingTime(int seconds) { return option(DhcpOption.REBINDING_TIME, u32(seconds)); }
        public Builder vendorClass(String s) { return option(DhcpOption.VENDOR_CLASS, ascii(s)); }
        public Builder hostname(String s) { return option(DhcpOption.HOSTNAME, ascii(s)); }
        public Builder tftpServer(String s) { return option(DhcpOption.TFTP_SERVER, ascii(s)); }
        public Builder bootfile(String s) { return option(DhcpOption.BOOTFILE, ascii(s)); }
        public Builder message(String s) { return option(DhcpOption.MESSAGE, ascii(s)); }
        public Builder userClass(byte[] raw) { return option(DhcpOption.USER_CLASS, raw); }
        public Builder vendorSpecific(SubOptions o) { return option(DhcpOption.VENDOR_SPECIFIC, o.encode(true)); }
        public Builder ipxe(SubOptions o) { return option(DhcpOption.IPXE_ENCAPSULATED, o.encode(false)); }

        public Builder maxMessageSize(int size) {
            return option(DhcpOption.MAX_MESSAGE_SIZE, new byte[] {(byte) (size >>> 8), (byte) size});
        }

        public Builder parameterRequestList(int... codes) {
            byte[] v = new byte[codes.length];
            for (int i = 0; i < codes.length; i++) {
                v[i] = (byte) codes[i];
            }
            return option(DhcpOption.PARAMETER_REQUEST_LIST, v);
        }

        public Builder clientArch(int... codes) {
            byte[] v = new byte[codes.length * 2];
            for (int i = 0; i < codes.length; i++) {
                v[2 * i] = (byte) (codes[i] >>> 8);
                v[2 * i + 1] = (byte) codes[i];
            }
            return option(DhcpOption.CLIENT_ARCH, v);
        }

        /** Option 97 from 16 UUID bytes (adds the type byte 0). */
        public Builder clientUuid(byte[] uuid) {
            byte[] v = new byte[17];
            System.arraycopy(uuid, 0, v, 1, Math.min(16, uuid.length));
            return option(DhcpOption.CLIENT_UUID, v);
        }

        public DhcpMessage build() {
            if (hlen < 0 || hlen > 16) {
                throw new IllegalArgumentException("hlen must be 0..16: " + hlen);
            }
            return new DhcpMessage(this);
        }

        private static byte[] concat(List<Inet4Address> l) {
            byte[] v = new byte[4 * l.size()];
            for (int i = 0; i < l.size(); i++) {
                System.arraycopy(l.get(i).getAddress(), 0, v, 4 * i, 4);
            }
            return v;
        }

        private static byte[] u32(int v) {
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }

        private static byte[] ascii(String s) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
