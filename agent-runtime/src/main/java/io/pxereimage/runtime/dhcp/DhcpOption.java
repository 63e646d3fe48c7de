package io.pxereimage.runtime.dhcp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DHCPv4 option code (RFC 2132 and later). An open enum: the known codes are constants, {@link #valueOf(int)}
 * returns a value for any code 0..255, so unknown options survive a decode/encode round trip.
 */
public record DhcpOption(int code, String name) {
    private static final Map<Integer, DhcpOption> KNOWN = new ConcurrentHashMap<>();

    public static final DhcpOption PAD = known(0, "pad");
    public static final DhcpOption SUBNET_MASK = known(1, "subnet-mask");
    public static final DhcpOption ROUTER = known(3, "router");
    public static final DhcpOption DNS = known(6, "dns");
    public static final DhcpOption HOSTNAME = known(12, "hostname");
    public static final DhcpOption VENDOR_SPECIFIC = known(43, "vendor-specific");
    public static final DhcpOption REQUESTED_IP = known(50, "requested-ip");
    public static final DhcpOption LEASE_TIME = known(51, "lease-time");
    public static final DhcpOption OVERLOAD = known(52, "overload");
    public static final DhcpOption MESSAGE_TYPE = known(53, "message-type");
    public static final DhcpOption SERVER_ID = known(54, "server-id");
    public static final DhcpOption PARAMETER_REQUEST_LIST = known(55, "parameter-request-list");
    public static final DhcpOption MESSAGE = known(56, "message");
    public static final DhcpOption MAX_MESSAGE_SIZE = known(57, "max-message-size");
    public static final DhcpOption RENEWAL_TIME = known(58, "renewal-time");
    public static final DhcpOption REBINDING_TIME = known(59, "rebinding-time");
    public static final DhcpOption VENDOR_CLASS = known(60, "vendor-class");
    public static final DhcpOption CLIENT_ID = known(61, "client-id");
    public static final DhcpOption TFTP_SERVER = known(66, "tftp-server");
    public static final DhcpOption BOOTFILE = known(67, "bootfile");
    public static final DhcpOption USER_CLASS = known(77, "user-class");
    public static final DhcpOption RELAY_AGENT_INFO = known(82, "relay-agent-info");
    public static final DhcpOption CLIENT_ARCH = known(93, "client-arch");
    public static final DhcpOption CLIENT_NDI = known(94, "client-ndi");
    public static final DhcpOption CLIENT_UUID = known(97, "client-uuid");
    public static final DhcpOption IPXE_ENCAPSULATED = known(175, "ipxe");
    public static final DhcpOption END = known(255, "end");

    public DhcpOption {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("option code out of range: " + code);
        }
    }

    private static DhcpOption known(int code, String name) {
        DhcpOption o = new DhcpOption(code, name);
        KNOWN.put(code, o);
        return o;
    }

    /** The named constant for {@code code}, or an {@code option-N} value for codes this class does not name. */
    public static DhcpOption valueOf(int code) {
        DhcpOption o = KNOWN.get(code);
        return o != null ? o : new DhcpOption(code, "option-" + code);
    }

    public boolean isKnown() {
        return KNOWN.containsKey(code);
    }

    @Override
    public String toString() {
        return name + "(" + code + ")";
    }
}
