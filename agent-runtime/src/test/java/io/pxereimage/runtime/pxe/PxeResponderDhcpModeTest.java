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
import io.pxereimage.runtime.dhcp.DhcpCodecOrder;
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

/** DHCP mode: leases with and without boot information, NAK, renewal, DECLINE/RELEASE/INFORM. No sockets. */
class PxeResponderDhcpModeTest extends ResponderFixture {
    @Test
    void dhclientInitRebootIsAcknowledgedForAFreeAddress() {
        know("82:83:d1:e3:fc:c0");
        PxeResponder.Response r = dhcp().handle(Fixtures.message("dhclient-init-reboot-request.bin"), 67, FROM_68);
        assertThat(r.outcome()).isEqualTo("ack");
        assertThat(r.reply().yiaddr()).isEqualTo(Ip4.parse("10.231.10.191"));
    }

    @Test
    void dhcpModeLeasesWithBootInfoToPxeClients() throws Exception {
        know("52:54:00:f1:00:01");
        PxeResponder d = dhcp();
        DhcpMessage discover = Fixtures.message("ipxe-bios-discover.bin");
        PxeResponder.Response r = d.handle(discover, 67, FROM_68);
        DhcpMessage o = wire(r.reply(), discover);
        assertThat(o.messageType()).contains(MessageType.OFFER);
        assertThat(o.yiaddr()).isEqualTo(Ip4.parse("10.231.10.100"));
        assertThat(o.subnetMask()).contains(Ip4.parse("255.255.255.0"));
        assertThat(o.routers()).containsExactly(Ip4.parse("10.231.10.254"));
        assertThat(o.dns()).containsExactly(Ip4.parse("10.231.10.53"));
        assertThat(o.leaseTime()).hasValue(600);
        assertThat(o.renewalTime()).hasValue(300);
        assertThat(o.rebindingTime()).hasValue(525);
        assertThat(o.file()).isEqualTo("http://10.231.10.1:8080/boot/52:54:00:f1:00:01.ipxe");
        assertThat(o.ipxe().orElseThrow().has(IpxeOptions.NO_PXEDHCP)).isTrue();
        assertThat(r.detail()).isEqualTo("OFFER 10.231.10.100 file=http://10.231.10.1:8080/boot/52:54:00:f1:00:01.ipxe");

        // the captured REQUEST names 10.231.10.140, which this pool never offered but is free: ACK
        DhcpMessage request = Fixtures.message("ipxe-bios-request.bin");
        PxeResponder.Response ack = d.handle(request, 67, FROM_68);
        assertThat(ack.outcome()).isEqualTo("ack");
        assertThat(ack.reply().yiaddr()).isEqualTo(Ip4.parse("10.231.10.140"));
        assertThat(pool.activeLeases()).isEqualTo(1);
    }

    @Test
    void dhcpModeGivesAPlainLeaseToTheBootedOsClient() throws Exception {
        know("82:83:d1:e3:fc:c0");
        DhcpMessage req = Fixtures.message("udhcpc-discover.bin");
        DhcpMessage o = wire(dhcp().handle(req, 67, FROM_68).reply(), req);
        assertThat(o.yiaddr()).isNotEqualTo(Ip4.ANY);
        assertThat(o.file()).isEmpty();
        assertThat(o.siaddr()).isEqualTo(Ip4.ANY);
        assertThat(o.has(DhcpOption.VENDOR_CLASS)).isFalse();
        // udhcpc asks 1, 3, 6, 12, 15, 28, 42: the reply follows that order
        assertThat(DhcpCodecOrder.codes(DhcpCodec.encodeReply(o, req))).startsWith(53, 54, 1, 3, 6);
    }

    @Test
    void dhcpModeStaysSilentForUnknownMacs() {
        PxeResponder.Response r = dhcp().handle(Fixtures.message("udhcpc-discover.bin"), 67, FROM_68);
        assertThat(r.reply()).isNull();
        assertThat(r.detail()).isEqualTo("ignored (unknown MAC)");
        assertThat(pool.lease(MacAddress.parse("82:83:d1:e3:fc:c0"))).isEmpty();
    }

    @Test
    void dhcpModeNaksWrongAddressesAndIgnoresOtherServers() throws Exception {
        MacAddress mac = MacAddress.parse("82:83:d1:e3:fc:c0");
        know(mac.toString());
        PxeResponder d = dhcp();
        DhcpMessage base = Fixtures.message("udhcpc-request.bin"); // names server 10.231.10.1, asks .191
        assertThat(d.handle(base, 67, FROM_68).outcome()).isEqualTo("ack");
        // INIT-REBOOT for an address outside our range
        DhcpMessage wrong = base.toBuilder().remove(DhcpOption.SERVER_ID).requestedIp(Ip4.parse("192.168.7.7")).build();
        PxeResponder.Response nak = d.handle(wrong, 67, FROM_68);
        assertThat(nak.outcome()).isEqualTo("nak");
        DhcpMessage n = wire(nak.reply(), wrong);
        assertThat(n.messageType()).contains(MessageType.NAK);
        assertThat(n.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(n.has(DhcpOption.LEASE_TIME)).isFalse();
        assertThat(nak.destination()).isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
        // a REQUEST naming another server: silence
        DhcpMessage other = base.toBuilder().serverId(Ip4.parse("10.231.10.2")).build();
        assertThat(d.handle(other, 67, FROM_68).reply()).isNull();
    }

    @Test
    void dhcpModeRenewalIsUnicastToCiaddr() throws Exception {
        MacAddress mac = MacAddress.parse("82:83:d1:e3:fc:c0");
        know(mac.toString());
        PxeResponder d = dhcp();
        d.handle(Fixtures.message("udhcpc-request.bin"), 67, FROM_68);
        clock.advance(Duration.ofMinutes(5));
        DhcpMessage renew = Fixtures.message("udhcpc-request.bin").toBuilder().remove(DhcpOption.SERVER_ID)
                .remove(DhcpOption.REQUESTED_IP).ciaddr(Ip4.parse("10.231.10.191")).build();
        PxeResponder.Response r = d.handle(renew, 67, new InetSocketAddress(Ip4.parse("10.231.10.191"), 68));
        assertThat(r.outcome()).isEqualTo("ack");
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(Ip4.parse("10.231.10.191"), 68));
        assertThat(r.reply().leaseTime()).hasValue(600);
        assertThat(pool.lease(mac).orElseThrow().expires()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
    }

    @Test
    void dhcpModeDeclineReleaseAndInform() {
        MacAddress mac = MacAddress.parse("82:83:d1:e3:fc:c0");
        know(mac.toString());
        PxeResponder d = dhcp();
        DhcpMessage req = Fixtures.message("udhcpc-request.bin");
        d.handle(req, 67, FROM_68);
        DhcpMessage release = req.toBuilder().messageType(MessageType.RELEASE).remove(DhcpOption.REQUESTED_IP)
                .ciaddr(Ip4.parse("10.231.10.191")).build();
        assertThat(d.handle(release, 67, FROM_68).outcome()).isEqualTo("released");
        assertThat(pool.activeLeases()).isZero();
        d.handle(req, 67, FROM_68);
        DhcpMessage decline = req.toBuilder().messageType(MessageType.DECLINE).build();
        assertThat(d.handle(decline, 67, FROM_68).outcome()).isEqualTo("declined");
        assertThat(pool.offer(MacAddress.parse("52:54:00:00:00:01"), Ip4.parse("10.231.10.191")).orElseThrow()
                .address()).isNotEqualTo(Ip4.parse("10.231.10.191"));
        DhcpMessage inform = req.toBuilder().messageType(MessageType.INFORM).remove(DhcpOption.REQUESTED_IP)
                .remove(DhcpOption.SERVER_ID).ciaddr(Ip4.parse("10.231.10.77")).build();
        PxeResponder.Response r = d.handle(inform, 67, FROM_68);
        assertThat(r.outcome()).isEqualTo("ack");
        assertThat(r.reply().yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(r.reply().has(DhcpOption.LEASE_TIME)).isFalse();
        assertThat(r.reply().subnetMask()).isPresent();
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(Ip4.parse("10.231.10.77"), 68));
    }
}
