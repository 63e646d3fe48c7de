package io.pxereimage.runtime.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

class ReplyRoutingTest {
    static final ReplyRouting R = ReplyRouting.STANDARD;
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    static DhcpMessage.Builder req() {
        return DhcpMessage.builder().mac(MAC).messageType(MessageType.REQUEST);
    }

    static DhcpMessage reply(MessageType t) {
        return DhcpMessage.builder().op(2).mac(MAC).messageType(t).yiaddr(Ip4.parse("10.0.0.50")).build();
    }

    @Test
    void relayedRequestsGoBackToTheRelayOnTheServerPort() {
        DhcpMessage r = req().giaddr(Ip4.parse("10.1.0.1")).ciaddr(Ip4.parse("10.0.0.9")).build();
        assertThat(R.route(r, reply(MessageType.ACK))).isEqualTo(new InetSocketAddress(Ip4.parse("10.1.0.1"), 67));
        assertThat(R.route(r, reply(MessageType.NAK))).isEqualTo(new InetSocketAddress(Ip4.parse("10.1.0.1"), 67));
        assertThat(new ReplyRouting(2067, 2068).route(r, reply(MessageType.ACK)).getPort()).isEqualTo(2067);
    }

    @Test
    void nakIsBroadcastEvenWithCiaddr() {
        DhcpMessage r = req().ciaddr(Ip4.parse("10.0.0.9")).build();
        assertThat(R.route(r, reply(MessageType.NAK))).isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
    }

    @Test
    void ciaddrGetsAUnicast() {
        DhcpMessage r = req().ciaddr(Ip4.parse("10.0.0.9")).broadcast(true).build();
        assertThat(R.route(r, reply(MessageType.ACK))).isEqualTo(new InetSocketAddress(Ip4.parse("10.0.0.9"), 68));
        assertThat(new ReplyRouting(2067, 2068).route(r, reply(MessageType.ACK)).getPort()).isEqualTo(2068);
    }

    @Test
    void broadcastFlagAndTheYiaddrCaseBothBroadcast() {
        assertThat(R.route(req().broadcast(true).build(), reply(MessageType.OFFER)))
                .isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
        // RFC 2131 wants a unicast to yiaddr here; without ARP injection we broadcast (documented deviation)
        assertThat(R.route(req().build(), reply(MessageType.OFFER)))
                .isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
    }

    @Test
    void bootServerRepliesGoToTheSender() {
        DhcpMessage r = req().ciaddr(Ip4.parse("10.0.0.9")).build();
        InetSocketAddress sender = new InetSocketAddress(Ip4.parse("10.0.0.9"), 68);
        assertThat(R.routeProxy(r, sender)).isEqualTo(sender);
        assertThat(R.routeProxy(r, new InetSocketAddress(Ip4.ANY, 68)))
                .isEqualTo(new InetSocketAddress(Ip4.parse("10.0.0.9"), 68));
        assertThat(R.routeProxy(req().build(), new InetSocketAddress(Ip4.ANY, 68)))
                .isEqualTo(new InetSocketAddress(Ip4.BROADCAST, 68));
    }
}
