package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.Fixtures;
import io.pxereimage.runtime.dhcp.LeasePool;
import io.pxereimage.runtime.dhcp.LeaseStore;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.dhcp.RelayScope;
import io.pxereimage.runtime.net.Ip4;

/**
 * Relayed requests (giaddr set, RFC 2131 4.1/4.3.1, RFC 1542, RFC 3046) and alternate ports, through the codec:
 * a captured iPXE DISCOVER rewritten as a relay forwards it (giaddr, hops 1, option 82).
 */
class PxeResponderRelayTest extends ResponderFixture {
    static final Inet4Address RELAY = Ip4.parse("10.231.108.1");
    static final byte[] AGENT_INFO = HexFormat.of().parseHex("0104000000020206525400aa0001"); // circuit + remote id
    static final RelayScope SCOPE = new RelayScope(Ip4.parse("10.231.108.0"), 24, Ip4.parse("10.231.108.100"),
            Ip4.parse("10.231.108.150"), null, List.of());
    static final InetSocketAddress RELAY_67 = new InetSocketAddress(Ip4.parse("10.231.107.1"), 67);

    final LeasePool relayPool = new LeasePool(LeasePool.Config.of(SCOPE.rangeStart(), SCOPE.rangeEnd(), null,
            java.time.Duration.ofMinutes(10)), clock, LeaseStore.NONE);

    PxeResponder relayDhcp(PxeConfig config) {
        return new PxeResponder(config.withRelayScopes(List.of(SCOPE)), planner, machines, pool,
                Map.of(SCOPE, relayPool), clock);
    }

    /** The request as a relay forwards it; decoded from bytes so the codec carries giaddr, hops and 82. */
    static DhcpMessage relayed(String capture, Inet4Address giaddr, boolean broadcast) throws Exception {
        DhcpMessage m = Fixtures.message(capture).toBuilder().giaddr(giaddr).hops(1)
                .flags(broadcast ? DhcpMessage.FLAG_BROADCAST : 0)
                .option(DhcpOption.RELAY_AGENT_INFO, AGENT_INFO).build();
        return DhcpCodec.decode(DhcpCodec.encode(m));
    }

    @Test
    void dhcpModeLeasesFromTheRelayedSubnetAndAnswersTheRelay() throws Exception {
        know("52:54:00:f1:00:01");
        DhcpMessage discover = relayed("ipxe-bios-discover.bin", RELAY, true);
        PxeResponder.Response r = relayDhcp(dhcpConfig()).handle(discover, 67, RELAY_67);
        assertThat(r.outcome()).isEqualTo("offer");
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(RELAY, 67));
        DhcpMessage o = wire(r.reply(), discover);
        assertThat(o.yiaddr()).isEqualTo(Ip4.parse("10.231.108.100"));
        assertThat(o.subnetMask()).contains(Ip4.parse("255.255.255.0"));
        assertThat(o.routers()).containsExactly(RELAY); // the relay is the subnet's router
        assertThat(o.dns()).containsExactly(Ip4.parse("10.231.10.53")); // the section's, the scope has none
        assertThat(o.giaddr()).isEqualTo(RELAY);
        assertThat(o.hops()).isZero();
        assertThat(o.broadcast()).isTrue(); // the relay broadcasts to the client
        assertThat(o.option(DhcpOption.RELAY_AGENT_INFO)).hasValue(AGENT_INFO);
        assertThat(o.serverId()).contains(SERVER);
        assertThat(r.detail()).endsWith("via relay 10.231.108.1");

        DhcpMessage request = relayed("ipxe-bios-discover.bin", RELAY, false).toBuilder()
                .messageType(MessageType.REQUEST).requestedIp(o.yiaddr()).serverId(SERVER).build();
        PxeResponder.Response ack = relayDhcp(dhcpConfig()).handle(request, 67, RELAY_67);
        assertThat(ack.outcome()).isEqualTo("ack");
        assertThat(ack.reply().yiaddr()).isEqualTo(o.yiaddr());
        assertThat(ack.reply().broadcast()).isFalse();
        assertThat(ack.destination()).isEqualTo(new InetSocketAddress(RELAY, 67));
        assertThat(pool.lease(request.mac().orElseThrow())).isEmpty(); // the local range is untouched
    }

    @Test
    void renewalSentStraightToUsUsesTheScopeOfCiaddr() throws Exception {
        know("52:54:00:f1:00:01");
        PxeResponder d = relayDhcp(dhcpConfig());
        DhcpMessage discover = relayed("ipxe-bios-discover.bin", RELAY, false);
        Inet4Address got = d.handle(discover, 67, RELAY_67).reply().yiaddr();
        d.handle(discover.toBuilder().messageType(MessageType.REQUEST).requestedIp(got).serverId(SERVER).build(),
                67, RELAY_67);
        DhcpMessage renew = Fixtures.message("ipxe-bios-discover.bin").toBuilder().messageType(MessageType.REQUEST)
                .ciaddr(got).build();
        PxeResponder.Response r = d.handle(renew, 67, new InetSocketAddress(got, 68));
        assertThat(r.outcome()).isEqualTo("ack");
        assertThat(r.reply().yiaddr()).isEqualTo(got);
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(got, 68));
    }

    @Test
    void relayedFromAnUnknownSubnetGetsNoAnswer() throws Exception {
        know("52:54:00:f1:00:01");
        DhcpMessage discover = relayed("ipxe-bios-discover.bin", Ip4.parse("10.231.109.1"), false);
        PxeResponder.Response r = relayDhcp(dhcpConfig()).handle(discover, 67, RELAY_67);
        assertThat(r.reply()).isNull();
        assertThat(r.detail()).contains("relayed from 10.231.109.1, no relayed subnet holds it");
    }

    @Test
    void proxyOfferGoesToTheRelayWithItsOption82() throws Exception {
        know("52:54:00:f1:00:01");
        DhcpMessage discover = relayed("ipxe-bios-discover.bin", RELAY, false);
        PxeResponder.Response r = proxy().handle(discover, 67, RELAY_67);
        assertThat(r.outcome()).isEqualTo("offer");
        assertThat(r.destination()).isEqualTo(new InetSocketAddress(RELAY, 67));
        DhcpMessage o = wire(r.reply(), discover);
        assertThat(o.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(o.giaddr()).isEqualTo(RELAY);
        assertThat(o.option(DhcpOption.RELAY_AGENT_INFO)).hasValue(AGENT_INFO);
        // 82 comes right after 53 and 54, so the size cap never drops it
        assertThat(List.copyOf(o.options().keySet()).subList(0, 3)).containsExactly(53, 54, 82);
    }

    @Test
    void alternatePortsAnswerTheRelaysSourcePortAndLocalClientsOn2068() throws Exception {
        know("52:54:00:f1:00:01");
        PxeResponder d = relayDhcp(dhcpConfig().withPorts(2067, 2068, 4011));
        // dnsmasq --dhcp-relay=...,SERVER#2067 sends from its port 67 and listens there
        DhcpMessage discover = relayed("ipxe-bios-discover.bin", RELAY, false);
        assertThat(d.handle(discover, 2067, RELAY_67).destination()).isEqualTo(new InetSocketAddress(RELAY, 67));
        // dhcrelay -p 2067 sends from 2067
        assertThat(d.handle(discover, 2067, new InetSocketAddress(RELAY_67.getAddress(), 2067)).destination())
                .isEqualTo(new InetSocketAddress(RELAY, 2067));
        // a local client (no relay) is answered on the alternate client port
        DhcpMessage local = Fixtures.message("ipxe-bios-discover.bin");
        assertThat(d.handle(local, 2067, new InetSocketAddress(Ip4.ANY, 2068)).destination())
                .isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 2068));
    }
}
