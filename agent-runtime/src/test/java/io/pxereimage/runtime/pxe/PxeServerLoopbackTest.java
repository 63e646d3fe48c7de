package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootDecision;
import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.Fixtures;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * The Netty loop on loopback (no root): malformed packets are dropped and counted, a planner exception is caught
 * and counted and the loop keeps serving, retransmissions are counted, and 4011 replies leave from the 4011 port.
 */
class PxeServerLoopbackTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:f1:00:03");
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final int base = 20000 + ThreadLocalRandom.current().nextInt(20000);
    PxeServer server;

    PxeConfig config() {
        return PxeConfig.proxy(Ip4.parse("127.0.0.1")).withPorts(base, base + 1, base + 2)
                .withBindAddress(Ip4.parse("127.0.0.1"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    double count(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    void awaitCount(double want, String name, String... tags) throws InterruptedException {
        for (int i = 0; i < 100 && count(name, tags) < want; i++) {
            Thread.sleep(20);
        }
        assertThat(count(name, tags)).isEqualTo(want);
    }

    @Test
    void badInputIsCountedAndTheLoopKeepsServing() throws Exception {
        MachineRegistry machines = new MachineRegistry(List.of(MachinePlan.boot(MAC, null,
                new BootSpec("vmlinuz", List.of(), ""))), null);
        BootPlanner planner = mock(BootPlanner.class);
        when(planner.decide(any())).thenThrow(new IllegalStateException("planner bug"))
                .thenReturn(new BootDecision.Boot(BootDecision.Kind.TFTP, "ipxe.efi"));
        server = new PxeServer(config(), planner, machines, meters);
        server.start();
        byte[] request = Fixtures.bytes("edk2-pxe-4011-request.bin");
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            InetSocketAddress dhcp = new InetSocketAddress("127.0.0.1", base);
            InetSocketAddress pxe = new InetSocketAddress("127.0.0.1", base + 2);
            client.send(new DatagramPacket(new byte[10], 10, dhcp));
            client.send(new DatagramPacket(Arrays.copyOf(request, 239), 239, pxe));
            awaitCount(2, "pxe_dhcp_dropped_total", "reason", "malformed");

            client.send(new DatagramPacket(request, request.length, pxe)); // the planner throws
            awaitCount(1, "pxe_dhcp_dropped_total", "reason", "error");

            client.send(new DatagramPacket(request, request.length, pxe)); // same xid again: a retransmission
            DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            client.receive(reply);
            assertThat(reply.getPort()).isEqualTo(base + 2); // from the 4011 port
            DhcpMessage ack = DhcpCodec.decode(Arrays.copyOf(reply.getData(), reply.getLength()));
            assertThat(ack.messageType()).contains(MessageType.ACK);
            assertThat(ack.file()).isEqualTo("ipxe.efi");
            assertThat(count("pxe_dhcp_duplicates_total", "type", "REQUEST")).isEqualTo(1);
            assertThat(count("pxe_dhcp_packets_total", "type", "REQUEST", "outcome", "ack")).isEqualTo(1);
            // nothing else arrives
            client.setSoTimeout(300);
            try {
                client.receive(reply);
                throw new AssertionError("unexpected second reply");
            } catch (SocketTimeoutException expected) {
                // fine
            }
        }
    }

    /** Answers become activity lines naming the machine; the address the client holds is learnt for TFTP/HTTP. */
    @Test
    void answersAreRecordedAsActivity() throws Exception {
        byte[] request = Fixtures.bytes("edk2-pxe-4011-request.bin");
        MacAddress mac = DhcpCodec.decode(request).mac().orElseThrow();
        MachineRegistry machines = new MachineRegistry(List.of(MachinePlan.boot(mac, "rack1-07",
                new BootSpec("vmlinuz", List.of(), ""))), null);
        BootPlanner planner = mock(BootPlanner.class);
        when(planner.decide(any())).thenReturn(new BootDecision.Boot(BootDecision.Kind.TFTP, "ipxe.efi"));
        io.pxereimage.runtime.activity.Activity activity = new io.pxereimage.runtime.activity.Activity(
                java.time.Clock.systemUTC()).naming(m -> machines.planFor(m).map(MachinePlan::name).orElse(null));
        server = new PxeServer(config(), planner, machines, meters).withActivity(activity);
        server.start();
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", base + 2)));
            client.receive(new DatagramPacket(new byte[1500], 1500));
        }
        for (int i = 0; i < 100 && activity.recent(10).isEmpty(); i++) {
            Thread.sleep(20);
        }
        var e = activity.recent(10).get(0);
        assertThat(e.kind()).isEqualTo(io.pxereimage.runtime.activity.Activity.Kind.DHCP);
        assertThat(e.mac()).isEqualTo(mac.toString());
        assertThat(e.machine()).isEqualTo("rack1-07");
        assertThat(e.summary()).isEqualTo("REQUEST -> PXE ACK file=ipxe.efi");
        java.net.Inet4Address ciaddr = DhcpCodec.decode(request).ciaddr();
        if (!Ip4.isZero(ciaddr)) {
            assertThat(activity.record(io.pxereimage.runtime.activity.Activity.Kind.TFTP, ciaddr, "RRQ x").machine())
                    .isEqualTo("rack1-07");
        }
    }

    /** The election gate: a standby drops what the subnet's responder answers, but still answers port 4011. */
    @Test
    void aStandbyAnswersOnlyRequestsMeantForIt() throws Exception {
        MachineRegistry machines = new MachineRegistry(List.of(MachinePlan.boot(MAC, null,
                new BootSpec("vmlinuz", List.of(), ""))), null);
        BootPlanner planner = mock(BootPlanner.class);
        when(planner.decide(any())).thenReturn(new BootDecision.Boot(BootDecision.Kind.TFTP, "ipxe.efi"));
        boolean[] responder = {false};
        server = new PxeServer(config(), planner, machines, meters).answerWhen(() -> responder[0]);
        server.start();
        byte[] request = Fixtures.bytes("edk2-pxe-4011-request.bin");
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(300);
            client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", base)));
            awaitCount(1, "pxe_dhcp_packets_total", "type", "REQUEST", "outcome", "not_responder");
            DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            try {
                client.receive(reply);
                throw new AssertionError("a standby answered on the DHCP port");
            } catch (SocketTimeoutException expected) {
                // fine
            }
            assertThat(server.repliedWithin(60_000)).isFalse();
            client.setSoTimeout(3000);
            // port 4011: the client chose this boot server, whoever is responder now
            client.send(new DatagramPacket(request, request.length, new InetSocketAddress("127.0.0.1", base + 2)));
            client.receive(reply);
            assertThat(DhcpCodec.decode(Arrays.copyOf(reply.getData(), reply.getLength())).messageType())
                    .contains(MessageType.ACK);
            assertThat(server.repliedWithin(60_000)).isTrue();
            assertThat(count("pxe_dhcp_packets_total", "type", "REQUEST", "outcome", "not_responder")).isEqualTo(1);
        }
    }

    /**
     * Relayed, on a non-standard server port, through real sockets: the election gate holds the relayed DISCOVER
     * back while standby, and once responder the proxy offer goes to giaddr at the port the relay sent from, with
     * giaddr and option 82 kept.
     */
    @Test
    void relayedRequestOnAnAlternatePortPassesTheGateAndGoesBackToTheRelaysPort() throws Exception {
        MachineRegistry machines = new MachineRegistry(List.of(MachinePlan.boot(MAC, null,
                new BootSpec("vmlinuz", List.of(), ""))), null);
        BootPlanner planner = mock(BootPlanner.class);
        when(planner.decide(any())).thenReturn(new BootDecision.Boot(BootDecision.Kind.TFTP, "undionly.kpxe"));
        boolean[] responder = {false};
        server = new PxeServer(config(), planner, machines, meters).answerWhen(() -> responder[0]);
        server.start();
        byte[] info = {1, 4, 0, 0, 0, 7};
        DhcpMessage discover = Fixtures.message("ipxe-bios-discover.bin").toBuilder().mac(MAC)
                .giaddr(Ip4.parse("127.0.0.1")).hops(1).option(DhcpOption.RELAY_AGENT_INFO, info).build();
        byte[] bytes = DhcpCodec.encode(discover);
        try (DatagramSocket relay = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            relay.setSoTimeout(300);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", base);
            relay.send(new DatagramPacket(bytes, bytes.length, to));
            awaitCount(1, "pxe_dhcp_packets_total", "type", "DISCOVER", "outcome", "not_responder");
            DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            try {
                relay.receive(reply);
                throw new AssertionError("a standby answered a relayed DISCOVER");
            } catch (SocketTimeoutException expected) {
                // fine
            }
            responder[0] = true;
            relay.setSoTimeout(3000);
            relay.send(new DatagramPacket(bytes, bytes.length, to));
            relay.receive(reply); // at the port the relay sent from (here an ephemeral one), from the server port
            assertThat(reply.getPort()).isEqualTo(base);
            DhcpMessage offer = DhcpCodec.decode(Arrays.copyOf(reply.getData(), reply.getLength()));
            assertThat(offer.messageType()).contains(MessageType.OFFER);
            assertThat(offer.giaddr()).isEqualTo(Ip4.parse("127.0.0.1"));
            assertThat(offer.hops()).isZero();
            assertThat(offer.option(DhcpOption.RELAY_AGENT_INFO)).hasValue(info);
        }
    }

    @Test
    void closeReleasesThePorts() throws Exception {
        MachineRegistry machines = new MachineRegistry();
        server = new PxeServer(config(), mock(BootPlanner.class), machines, meters);
        server.start();
        server.close();
        server = new PxeServer(config(), mock(BootPlanner.class), machines, meters);
        server.start(); // binds the same ports again
    }
}
