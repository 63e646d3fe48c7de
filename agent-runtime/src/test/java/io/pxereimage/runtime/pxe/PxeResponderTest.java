package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.Loaders;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.Fixtures;
import io.pxereimage.runtime.dhcp.IpxeOptions;
import io.pxereimage.runtime.dhcp.LeasePool;
import io.pxereimage.runtime.dhcp.LeaseStore;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.testing.MutableClock;
import io.pxereimage.runtime.dhcp.PxeVendorOptions;
import io.pxereimage.runtime.dhcp.SubOptions;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/** Proxy mode and the 4011 boot server: replies built from packets captured from real clients. No sockets. */
class PxeResponderTest extends ResponderFixture {
    @Test
    void proxyOfferForIpxeBios() throws Exception {
        know("52:54:00:f1:00:01");
        DhcpMessage req = Fixtures.message("ipxe-bios-discover.bin");
        PxeResponder.Response r = proxy().handle(req, 67, FROM_68);
        assertThat(r.outcome()).isEqualTo("offer");
        DhcpMessage o = wire(r.reply(), req);
        assertThat(o.op()).isEqualTo(DhcpMessage.BOOTREPLY);
        assertThat(o.xid()).isEqualTo(req.xid());
        assertThat(o.messageType()).contains(MessageType.OFFER);
        assertThat(o.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(o.siaddr()).isEqualTo(SERVER);
        assertThat(o.sname()).isEqualTo("10.231.10.1");
        assertThat(o.serverId()).contains(SERVER);
        assertThat(o.vendorClass()).contains("PXEClient");
        // qemu's BIOS ROM is iPXE: it gets its script URL, not undionly.kpxe (that would loop)
        String url = "http://10.231.10.1:8080/boot/52:54:00:f1:00:01.ipxe";
        assertThat(o.file()).isEqualTo(url);
        assertThat(o.bootfile()).contains(url); // iPXE asks for 67
        assertThat(o.option(DhcpOption.CLIENT_UUID)).hasValueSatisfying(v -> assertThat(v)
                .isEqualTo(req.option(DhcpOption.CLIENT_UUID).orElseThrow()));
        assertThat(PxeVendorOptions.discoveryControl(o.vendorSpecific().orElseThrow())).isEqualTo(8);
        SubOptions ipxe = o.ipxe().orElseThrow();
        assertThat(ipxe.get(IpxeOptions.NO_PXEDHCP)).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
        assertThat(r.fromProxyPort()).isFalse();
        assertThat(r.detail()).isEqualTo("OFFER file=" + url);
    }

    @Test
    void proxyOfferForBiosFirmwarePxeHandsOutUndionly() throws Exception {
        know("52:54:00:12:34:56");
        DhcpMessage req = DhcpMessage.builder().xid(7).mac(MacAddress.parse("52:54:00:12:34:56"))
                .messageType(MessageType.DISCOVER).vendorClass("PXEClient:Arch:00000:UNDI:002001").clientArch(0)
                .parameterRequestList(1, 3, 43, 60, 66, 67).build();
        DhcpMessage o = wire(proxy().handle(req, 67, FROM_68).reply(), req);
        assertThat(o.file()).isEqualTo("undionly.kpxe");
        assertThat(o.tftpServer()).contains("10.231.10.1");
        assertThat(o.bootfile()).contains("undionly.kpxe");
        assertThat(PxeVendorOptions.discoveryControl(o.vendorSpecific().orElseThrow())).isEqualTo(8);
        assertThat(o.has(DhcpOption.IPXE_ENCAPSULATED)).isFalse();
        assertThat(o.has(DhcpOption.CLIENT_UUID)).isFalse(); // not sent, not echoed
    }

    @Test
    void uefiPxeGetsABinlOfferThenAnAckOnPort4011() throws Exception {
        know("52:54:00:f1:00:03");
        DhcpMessage discover = Fixtures.message("edk2-pxe-proxy-discover.bin");
        PxeResponder.Response r = proxy().handle(discover, 67, FROM_68);
        DhcpMessage o = wire(r.reply(), discover);
        assertThat(o.has(DhcpOption.VENDOR_SPECIFIC)).isFalse(); // BINL: the client must ask on 4011
        assertThat(o.siaddr()).isEqualTo(SERVER);
        assertThat(o.file()).isEqualTo("ipxe.efi");
        assertThat(o.vendorClass()).contains("PXEClient");
        assertThat(o.broadcast()).isTrue();
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));

        DhcpMessage req = Fixtures.message("edk2-pxe-4011-request.bin");
        InetSocketAddress sender = new InetSocketAddress(Ip4.parse("10.231.10.142"), 68);
        PxeResponder.Response ack = proxy().handle(req, 4011, sender);
        assertThat(ack.outcome()).isEqualTo("ack");
        assertThat(ack.fromProxyPort()).isTrue();
        assertThat(ack.destination()).isEqualTo(sender);
        DhcpMessage a = wire(ack.reply(), req);
        assertThat(a.messageType()).contains(MessageType.ACK);
        assertThat(a.xid()).isEqualTo(req.xid());
        assertThat(a.ciaddr()).isEqualTo(Ip4.parse("10.231.10.142"));
        assertThat(a.siaddr()).isEqualTo(SERVER);
        assertThat(a.sname()).isEqualTo("10.231.10.1");
        assertThat(a.file()).isEqualTo("ipxe.efi");
        assertThat(a.serverId()).contains(SERVER);
        assertThat(a.vendorClass()).contains("PXEClient");
        assertThat(a.has(DhcpOption.CLIENT_UUID)).isTrue();
        assertThat(a.has(DhcpOption.VENDOR_SPECIFIC)).isFalse();
    }

    @Test
    void ipxePort4011RequestGetsItsScriptFromPort4011() throws Exception {
        know("52:54:00:f1:00:03");
        DhcpMessage req = Fixtures.message("ipxe-efi-4011-request.bin");
        InetSocketAddress sender = new InetSocketAddress(Ip4.parse("10.231.10.142"), 68);
        PxeResponder.Response r = proxy().handle(req, 4011, sender);
        assertThat(r.fromProxyPort()).isTrue();
        assertThat(r.destination()).isEqualTo(sender);
        DhcpMessage a = wire(r.reply(), req);
        assertThat(a.file()).isEqualTo("http://10.231.10.1:8080/boot/52:54:00:f1:00:03.ipxe");
        assertThat(PxeVendorOptions.discoveryControl(a.vendorSpecific().orElseThrow())).isEqualTo(8);
        assertThat(a.ipxe().orElseThrow().has(IpxeOptions.NO_PXEDHCP)).isTrue();
    }

    @Test
    void uefiHttpBootGetsAnHttpClientOfferWithTheUrl() throws Exception {
        know("52:54:00:f1:00:04");
        DhcpMessage req = Fixtures.message("edk2-http-discover.bin");
        DhcpMessage o = wire(proxy().handle(req, 67, FROM_68).reply(), req);
        assertThat(o.vendorClass()).contains("HTTPClient");
        assertThat(o.file()).isEqualTo("http://10.231.10.1:8080/loaders/ipxe.efi");
        assertThat(o.has(DhcpOption.VENDOR_SPECIFIC)).isFalse();
        assertThat(o.has(DhcpOption.TFTP_SERVER)).isFalse();
    }

    @Test
    void ipxeEfiGetsVendorOptionsAndTheNoWaitFlag() throws Exception {
        know("52:54:00:f1:00:02");
        DhcpMessage req = Fixtures.message("ipxe-efi-discover.bin");
        DhcpMessage o = wire(proxy().handle(req, 67, FROM_68).reply(), req);
        assertThat(o.file()).isEqualTo("http://10.231.10.1:8080/boot/52:54:00:f1:00:02.ipxe");
        assertThat(o.vendorSpecific()).isPresent();
        assertThat(o.ipxe().orElseThrow().has(IpxeOptions.NO_PXEDHCP)).isTrue();
    }

    @Test
    void proxyModeIgnoresUnknownMacsNonPxeClientsAndRequests() {
        PxeResponder p = proxy();
        assertThat(p.handle(Fixtures.message("ipxe-bios-discover.bin"), 67, FROM_68).reply()).isNull();
        know("52:54:00:f1:00:01", "82:83:d1:e3:fc:c0");
        assertThat(p.handle(Fixtures.message("udhcpc-discover.bin"), 67, FROM_68).detail())
                .isEqualTo("ignored (not a PXE client)");
        assertThat(p.handle(Fixtures.message("ipxe-bios-request.bin"), 67, FROM_68).reply()).isNull();
        assertThat(p.handle(Fixtures.message("ipxe-bios-discover.bin"), 67, FROM_68).reply()).isNotNull();
    }

    @Test
    void rawUserClassIpxeIsRecognisedWithoutOption175() {
        DhcpMessage req = DhcpMessage.builder().mac(MacAddress.parse("52:54:00:00:00:01"))
                .messageType(MessageType.DISCOVER).userClass("iPXE".getBytes(StandardCharsets.US_ASCII)).build();
        assertThat(ClientInfo.of(req).ipxe()).isTrue();
        // RFC 3004 form (length-prefixed) is not what iPXE sends
        DhcpMessage rfc = req.toBuilder().userClass(HexFormat.of().parseHex("0469505845")).build();
        assertThat(ClientInfo.of(rfc).ipxe()).isFalse();
    }
}
