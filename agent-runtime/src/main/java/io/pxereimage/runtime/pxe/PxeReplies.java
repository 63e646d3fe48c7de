package io.pxereimage.runtime.pxe;

import java.net.Inet4Address;
import java.time.Instant;
import java.util.List;

import io.pxereimage.runtime.boot.BootDecision.Boot;
import io.pxereimage.runtime.boot.BootDecision.Kind;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.IpxeOptions;
import io.pxereimage.runtime.dhcp.Lease;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.dhcp.PxeVendorOptions;

/**
 * Builds replies: pure functions of the request, the client facts, the boot decision and (DHCP mode) the lease.
 * No sockets, no clock (the caller passes {@code now}), so every reply can be tested byte for byte.
 */
public final class PxeReplies {
    /** Longest name for the 128-byte file field (NUL-terminated); longer URLs go in option 67 only. */
    static final int FILE_FIELD_MAX = 127;

    private PxeReplies() {
    }

    /**
     * A proxyDHCP OFFER (port 67, proxy mode): no address (yiaddr 0), just where to boot from. BIOS PXE and iPXE
     * get 43.6 = 8 ("use the file name, skip discovery"); UEFI PXE gets no 43 and comes back on port 4011.
     */
    public static DhcpMessage proxyOffer(DhcpMessage req, ClientInfo client, Boot boot, Inet4Address server) {
        DhcpMessage.Builder b = base(req, MessageType.OFFER, server);
        bootInfo(b, req, client, boot, server, client.wantsVendorOptions());
        return b.build();
    }

    /** The ACK to a port-4011 boot server REQUEST (sent from port 4011): siaddr, sname, file, 54, 60, 97. */
    public static DhcpMessage proxyAck(DhcpMessage req, ClientInfo client, Boot boot, Inet4Address server) {
        DhcpMessage.Builder b = base(req, MessageType.ACK, server);
        b.ciaddr(req.ciaddr());
        bootInfo(b, req, client, boot, server, false);
        PxeVendorOptions.Builder vendor = PxeVendorOptions.builder();
        if (client.wantsVendorOptions()) {
            vendor.discoveryControl(PxeVendorOptions.USE_FILE_NAME);
        }
        // A firmware that asked for a boot item (43.71, EDK2 does) gets it echoed, as a boot server answers.
        req.vendorSpecific().flatMap(v -> v.get(PxeVendorOptions.BOOT_ITEM)).filter(v -> v.length == 4)
                .ifPresent(item -> vendor.raw(PxeVendorOptions.BOOT_ITEM, item));
        var built = vendor.build();
        if (!built.asMap().isEmpty()) {
            b.vendorSpecific(built);
        }
        return b.build();
    }

    /**
     * A full DHCP OFFER or ACK with {@code lease}, plus boot information when {@code boot} is not null (PXE, HTTP
     * boot and iPXE clients with a Boot decision). The booted OS's own DHCP client gets a plain lease.
     */
    public static DhcpMessage lease(DhcpMessage req, ClientInfo client, MessageType type, Lease lease,
                                    PxeConfig config, Boot boot, Instant now) {
        DhcpMessage.Builder b = base(req, type, config.serverAddress());
        b.yiaddr(lease.address());
        int seconds = (int) Math.min(Integer.MAX_VALUE, type.equals(MessageType.OFFER)
                ? config.leaseTime().toSeconds() : lease.secondsLeft(now));
        b.leaseTime(seconds).renewalTime(seconds / 2).rebindingTime((int) (seconds * 7L / 8));
        network(b, config);
        if (boot != null) {
            bootInfo(b, req, client, boot, config.serverAddress(), client.wantsVendorOptions());
        }
        return b.build();
    }

    /** An ACK to an INFORM (RFC 2131 3.4): configuration without an address or lease time. */
    public static DhcpMessage informAck(DhcpMessage req, ClientInfo client, PxeConfig config, Boot boot) {
        DhcpMessage.Builder b = base(req, MessageType.ACK, config.serverAddress());
        b.ciaddr(req.ciaddr());
        network(b, config);
        if (boot != null) {
            bootInfo(b, req, client, boot, config.serverAddress(), client.wantsVendorOptions());
        }
        return b.build();
    }

    /** A NAK (RFC 2131 table 3): only 53, 54 and a message; every header address zero. */
    public static DhcpMessage nak(DhcpMessage req, Inet4Address server, String reason) {
        return base(req, MessageType.NAK, server).message(reason).build();
    }

    /**
     * The header every reply shares. hops stays 0 (RFC 2131 table 3); flags and giaddr are copied so that a relay
     * knows where the reply goes and whether to broadcast it (RFC 1542 5.4); a relay agent information option (82)
     * is echoed as received (RFC 3046 2.2), the relay strips it before the client sees the reply.
     */
    private static DhcpMessage.Builder base(DhcpMessage req, MessageType type, Inet4Address server) {
        DhcpMessage.Builder b = DhcpMessage.builder().op(DhcpMessage.BOOTREPLY).htype(req.htype()).hlen(req.hlen())
                .xid(req.xid()).flags(req.flags()).giaddr(req.giaddr()).chaddr(req.chaddr())
                .messageType(type).serverId(server);
        req.option(DhcpOption.RELAY_AGENT_INFO).ifPresent(info -> b.option(DhcpOption.RELAY_AGENT_INFO, info));
        return b;
    }

    private static void network(DhcpMessage.Builder b, PxeConfig config) {
        b.subnetMask(config.subnetMask());
        if (config.router() != null) {
            b.routers(List.of(config.router()));
        }
        if (!config.dns().isEmpty()) {
            b.dns(config.dns());
        }
    }

    private static void bootInfo(DhcpMessage.Builder b, DhcpMessage req, ClientInfo client, Boot boot,
                                 Inet4Address server, boolean vendorOptions) {
        // Always siaddr + sname + file: some ROMs read only the header fields, EDK2 reads 67 first.
        b.siaddr(server).sname(server.getHostAddress());
        if (boot.bootFile().length() <= FILE_FIELD_MAX) {
            b.file(boot.bootFile());
        }
        b.vendorClass(client.httpClient() ? "HTTPClient" : "PXEClient");
        req.option(DhcpOption.CLIENT_UUID).ifPresent(uuid -> b.option(DhcpOption.CLIENT_UUID, uuid));
        if (vendorOptions) {
            b.vendorSpecific(PxeVendorOptions.builder().discoveryControl(PxeVendorOptions.USE_FILE_NAME).build());
        }
        List<Integer> asked = req.parameterRequestList();
        if (asked.contains(DhcpOption.TFTP_SERVER.code()) && boot.kind() == Kind.TFTP) {
            b.tftpServer(server.getHostAddress());
        }
        // 67 when asked, and always when the name does not fit the file field.
        if (asked.contains(DhcpOption.BOOTFILE.code()) || boot.bootFile().length() > FILE_FIELD_MAX) {
            b.bootfile(boot.bootFile());
        }
        if (client.ipxe()) {
            b.ipxe(IpxeOptions.noProxyWait());
        }
    }
}
