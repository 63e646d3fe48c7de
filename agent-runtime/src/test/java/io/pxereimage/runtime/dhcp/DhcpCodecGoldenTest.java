package io.pxereimage.runtime.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/** Decodes packets captured from real clients and servers, asserts their fields, and round-trips them. */
class DhcpCodecGoldenTest {

    @Test
    void ipxeBiosDiscover() {
        DhcpMessage m = Fixtures.message("ipxe-bios-discover.bin");
        assertThat(m.op()).isEqualTo(DhcpMessage.BOOTREQUEST);
        assertThat(m.messageType()).contains(MessageType.DISCOVER);
        assertThat(m.xid()).isEqualTo(0xc40fb52a);
        assertThat(m.secs()).isEqualTo(4);
        assertThat(m.broadcast()).isFalse();
        assertThat(m.mac()).contains(MacAddress.parse("52:54:00:f1:00:01"));
        assertThat(m.maxMessageSize()).hasValue(1472);
        assertThat(m.clientArchs()).containsExactly(0);
        assertThat(m.clientArch()).hasValue(0);
        assertThat(m.clientNdi()).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 1));
        assertThat(m.vendorClass()).contains("PXEClient:Arch:00000:UNDI:002001");
        assertThat(m.userClass()).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.US_ASCII))
                .isEqualTo("iPXE"));
        assertThat(m.parameterRequestList()).startsWith(1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119)
                .contains(175, 203);
        SubOptions ipxe = m.ipxe().orElseThrow();
        assertThat(ipxe.get(IpxeOptions.BUS_ID)).hasValueSatisfying(v -> assertThat(HexFormat.of().formatHex(v))
                .isEqualTo("011af41000")); // PCI, vendor 0x1af4 (virtio), device 0x1000
        assertThat(ipxe.get(IpxeOptions.VERSION)).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 0, 0));
        assertThat(m.clientId()).hasValueSatisfying(v -> assertThat(HexFormat.of().formatHex(v))
                .isEqualTo("01525400f10001"));
        // SMBIOS UUID 8a6c2f1e-5e1d-4c8b-9d3e-525400f10001, first three fields little-endian on the wire
        assertThat(m.clientUuid()).hasValueSatisfying(v -> assertThat(HexFormat.of().formatHex(v))
                .isEqualTo("1e2f6c8a1d5e8b4c9d3e525400f10001"));
        assertThat(m.file()).isEmpty();
    }

    @Test
    void ipxeBiosRequestNamesServerAndAddress() {
        DhcpMessage m = Fixtures.message("ipxe-bios-request.bin");
        assertThat(m.messageType()).contains(MessageType.REQUEST);
        assertThat(m.serverId()).contains(Ip4.parse("10.231.10.1"));
        assertThat(m.requestedIp()).contains(Ip4.parse("10.231.10.140"));
    }

    @Test
    void ipxeEfiDiscover() {
        DhcpMessage m = Fixtures.message("ipxe-efi-discover.bin");
        assertThat(m.clientArch()).hasValue(7);
        assertThat(m.vendorClass()).contains("PXEClient:Arch:00007:UNDI:003010");
        assertThat(m.ipxe()).isPresent();
    }

    @Test
    void edk2PxeDiscoverHasNoIpxeMarkersAndABroadcastFlag() {
        DhcpMessage m = Fixtures.message("edk2-pxe-discover.bin");
        assertThat(m.broadcast()).isTrue();
        assertThat(m.clientArch()).hasValue(7);
        assertThat(m.vendorClass()).contains("PXEClient:Arch:00007:UNDI:003000");
        assertThat(m.ipxe()).isEmpty();
        assertThat(m.userClass()).isEmpty();
        assertThat(m.clientNdi()).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 3, 0));
        assertThat(m.clientUuid()).isPresent();
        assertThat(m.parameterRequestList()).contains(43, 60, 66, 67, 97, 128, 135);
    }

    @Test
    void edk2Port4011RequestCarriesCiaddrAndNoServerId() {
        DhcpMessage m = Fixtures.message("edk2-pxe-4011-request.bin");
        assertThat(m.messageType()).contains(MessageType.REQUEST);
        assertThat(m.ciaddr()).isEqualTo(Ip4.parse("10.231.10.142"));
        assertThat(m.serverId()).isEmpty();
        assertThat(m.broadcast()).isFalse();
    }

    @Test
    void ipxePort4011RequestHasServerIdAndBroadcastFlag() {
        DhcpMessage m = Fixtures.message("ipxe-efi-4011-request.bin");
        assertThat(m.messageType()).contains(MessageType.REQUEST);
        assertThat(m.ciaddr()).isEqualTo(Ip4.parse("10.231.10.142"));
        assertThat(m.serverId()).contains(Ip4.parse("10.231.10.1"));
        assertThat(m.broadcast()).isTrue();
        assertThat(m.ipxe()).isPresent();
    }

    @Test
    void edk2HttpBootDiscover() {
        DhcpMessage m = Fixtures.message("edk2-http-discover.bin");
        assertThat(m.clientArch()).hasValue(16);
        assertThat(m.vendorClass()).contains("HTTPClient:Arch:00016:UNDI:003000");
        assertThat(m.maxMessageSize()).hasValue(1472);
    }

    @Test
    void busyboxUdhcpcDiscover() {
        DhcpMessage m = Fixtures.message("udhcpc-discover.bin");
        assertThat(m.messageType()).contains(MessageType.DISCOVER);
        assertThat(m.vendorClass()).contains("udhcp 1.35.0");
        assertThat(m.hostname()).contains("labcli");
        assertThat(m.mac()).contains(MacAddress.parse("82:83:d1:e3:fc:c0"));
        assertThat(m.maxMessageSize()).hasValue(576);
        assertThat(m.parameterRequestList()).containsExactly(1, 3, 6, 12, 15, 28, 42);
        assertThat(m.clientArch()).isEmpty();
        assertThat(m.clientUuid()).isEmpty(); // no 97 at all: accepted
    }

    @Test
    void dhclientDiscoverAndRequest() {
        DhcpMessage d = Fixtures.message("dhclient-discover.bin");
        assertThat(d.messageType()).contains(MessageType.DISCOVER);
        assertThat(d.hostname()).contains("vm");
        assertThat(d.maxMessageSize()).isEmpty();
        assertThat(d.vendorClass()).isEmpty();
        DhcpMessage r = Fixtures.message("dhclient-request.bin");
        assertThat(r.messageType()).contains(MessageType.REQUEST);
        assertThat(r.requestedIp()).contains(Ip4.parse("10.231.10.191"));
        assertThat(r.serverId()).contains(Ip4.parse("10.231.10.1"));
        DhcpMessage reboot = Fixtures.message("dhclient-init-reboot-request.bin");
        assertThat(reboot.requestedIp()).contains(Ip4.parse("10.231.10.191"));
        assertThat(reboot.serverId()).isEmpty(); // INIT-REBOOT, RFC 2131 4.3.2
    }

    @Test
    void dnsmasqProxyReplies() {
        DhcpMessage offer = Fixtures.message("dnsmasq-proxy-offer.bin");
        assertThat(offer.op()).isEqualTo(DhcpMessage.BOOTREPLY);
        assertThat(offer.messageType()).contains(MessageType.OFFER);
        assertThat(offer.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(offer.siaddr()).isEqualTo(Ip4.parse("10.231.10.1"));
        assertThat(offer.vendorClass()).contains("PXEClient");
        assertThat(offer.has(DhcpOption.VENDOR_SPECIFIC)).isFalse(); // a BINL offer for UEFI
        DhcpMessage ack = Fixtures.message("dnsmasq-4011-ack.bin");
        assertThat(ack.messageType()).contains(MessageType.ACK);
        assertThat(ack.file()).isEqualTo("ipxe.efi");
        assertThat(ack.sname()).isEqualTo("10.231.10.1");
        assertThat(ack.ciaddr()).isEqualTo(Ip4.parse("10.231.10.142"));
        DhcpMessage plain = Fixtures.message("dnsmasq-plain-offer.bin");
        assertThat(plain.yiaddr()).isEqualTo(Ip4.parse("10.231.10.142"));
        assertThat(plain.serverId()).contains(Ip4.parse("10.231.10.2"));
        assertThat(plain.vendorClass()).isEmpty();
    }

    /** Re-encoding gives the same bytes up to the end option, and only padding after it. */
    @ParameterizedTest
    @ValueSource(strings = {"dhclient-discover.bin", "dhclient-request.bin", "dhclient-init-reboot-request.bin",
            "dnsmasq-4011-ack.bin", "dnsmasq-plain-offer.bin", "ipxe-efi-4011-request.bin",
            "dnsmasq-proxy-offer.bin", "edk2-http-discover.bin", "edk2-http-request.bin", "edk2-pxe-4011-request.bin",
            "edk2-pxe-discover.bin", "edk2-pxe-proxy-discover.bin", "edk2-pxe-request.bin", "ipxe-bios-discover.bin",
            "ipxe-bios-request.bin", "ipxe-efi-discover.bin", "ipxe-efi-request.bin", "udhcpc-discover.bin",
            "udhcpc-request.bin"})
    void roundTrip(String name) throws Exception {
        byte[] original = Fixtures.bytes(name);
        DhcpMessage m = DhcpCodec.decode(original);
        byte[] again = DhcpCodec.encode(m);
        int end = endOfOptions(original);
        assertThat(Arrays.copyOf(again, end)).isEqualTo(Arrays.copyOf(original, end));
        assertThat(Arrays.copyOfRange(again, end, again.length)).isEqualTo(new byte[again.length - end]);
        assertThat(again.length).isGreaterThanOrEqualTo(300);
        assertThat(DhcpCodec.decode(again).options().keySet()).containsExactlyElementsOf(m.options().keySet());
        assertThat(List.copyOf(DhcpCodec.decode(again).options().keySet())).isNotEmpty();
    }

    private static int endOfOptions(byte[] p) {
        int i = 240;
        while (p[i] != (byte) 255) {
            i = p[i] == 0 ? i + 1 : i + 2 + (p[i + 1] & 0xff);
        }
        return i + 1;
    }
}
