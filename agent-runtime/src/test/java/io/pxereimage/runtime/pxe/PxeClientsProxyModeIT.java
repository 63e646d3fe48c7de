package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.dhcp.IpxeOptions;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.dhcp.PxeVendorOptions;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Proxy mode with real DHCP clients next to dnsmasq (the plain DHCP server, no PXE options): busybox udhcpc and ISC
 * dhclient pose as BIOS PXE, UEFI PXE, UEFI HTTP boot and iPXE. Each must end up bound to a dnsmasq address, and our
 * proxy offer for its DISCOVER must be on the wire (tcpdump in the client's namespace, decoded with our codec) with
 * the fields for that pose.
 *
 * <p>Neither client knows proxyDHCP: both take the first OFFER, and when that is ours (yiaddr 0.0.0.0) they REQUEST
 * 0.0.0.0 from our server id, which we ignore; udhcpc gives up after three REQUESTs ({@code -A 1} retries a second
 * later), dhclient goes back to DISCOVER after its {@code reboot} timeout. dnsmasq usually answers first, so the
 * clients normally bind at once; the retry settings make the tests pass either way, and the {@code *TakesOurOffer*}
 * tests pin down that behaviour by delaying dnsmasq for one MAC. Namespaces {@code pxp-pc-*}, 10.231.81.0/24.
 */
// the *TakesOurOffer* tests last: dnsmasq serves its reply delay in its only loop, which stalls other clients
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PxeClientsProxyModeIT {
    static final String NET = "10.231.81.";
    static final Inet4Address PROXY = Ip4.parse(NET + "1");
    static final Inet4Address DNSMASQ = Ip4.parse(NET + "2");
    static final String P = PROXY.getHostAddress();
    /** dnsmasq answers this MAC two seconds late, so our proxy offer always arrives first. */
    static final String SLOW = "52:54:00:81:09:01";
    static final String WARM = "52:54:00:81:09:02";
    /** dhclient: REQUEST every ~1 s, back to DISCOVER after 2 s without an ACK (default 10 s, REQUESTs ~6 s apart). */
    static final String DHCLIENT_TIMERS = "initial-interval 1;\nbackoff-cutoff 1;\nreboot 2;\n";
    static NetLab lab;
    static ServerProcess server;
    static Path udhcpcScript;

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "busybox", "dhclient", "dnsmasq", "tcpdump");
        lab = new NetLab("pxp", "pc");
        lab.host("srv", null, P + "/24");
        lab.host("dns", null, DNSMASQ.getHostAddress() + "/24");
        udhcpcScript = Udhcpc.script(lab);
        Path d = lab.dir;
        lab.start(lab.ns("dns"), d.resolve("dnsmasq.out"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                "--keep-in-foreground", "--user=root", "--bind-interfaces", "--interface=eth0",
                "--except-interface=lo", "--log-dhcp", "--log-facility=" + d.resolve("dnsmasq.log"),
                "--pid-file=" + d.resolve("dnsmasq.pid"), "--dhcp-leasefile=" + d.resolve("dnsmasq.leases"),
                "--dhcp-range=" + NET + "100," + NET + "150,255.255.255.0,10m", "--dhcp-authoritative", "--no-ping",
                "--dhcp-host=" + SLOW + ",set:slow", "--dhcp-reply-delay=tag:slow,2");
        StringBuilder known = new StringBuilder(SLOW + "," + WARM);
        for (ClientPose pose : ClientPose.values()) {
            known.append(',').append(mac(1, pose)).append(',').append(mac(2, pose));
        }
        server = new ServerProcess(lab, lab.ns("srv"), "mode=proxy", "server=" + P, "known=" + known);
        // A fresh JVM takes up to a second for its first offer; the *TakesOurOffer* tests need ours well inside
        // dnsmasq's two-second delay, so one PXE DISCOVER goes through first.
        String warm = lab.host("warm", WARM, null);
        lab.exec(warm, Duration.ofSeconds(15), Udhcpc.command(udhcpcScript, true,
                ClientPose.BIOS.udhcpcArgs.toArray(String[]::new)).toArray(String[]::new));
        if (!server.awaitLog("proxyDHCP DISCOVER " + WARM, Duration.ofSeconds(10))) {
            throw new IllegalStateException("server did not answer the warm-up DISCOVER:\n" + server.log());
        }
    }

    @AfterAll
    static void down() {
        if (server != null) {
            server.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** client 1 = udhcpc, 2 = dhclient. */
    static String mac(int client, ClientPose pose) {
        return "52:54:00:81:0" + client + ":0" + (pose.ordinal() + 1);
    }

    @Order(1)
    @ParameterizedTest
    @EnumSource(ClientPose.class)
    void udhcpcPose(ClientPose pose) throws Exception {
        String mac = mac(1, pose);
        String role = "u-" + pose.name().toLowerCase();
        String ns = lab.host(role, mac, null);
        try (Capture cap = new Capture(lab, ns, role)) {
            // -q: exit once bound; no -n: after a failed round (our offer taken) retry after -A 1 second
            List<String> cmd = Udhcpc.command(udhcpcScript, false, pose.udhcpcArgs.toArray(String[]::new));
            cmd.addAll(List.of("-q", "-t", "3", "-T", "1", "-A", "1"));
            NetLab.Result r = lab.exec(ns, Duration.ofSeconds(15), cmd.toArray(String[]::new));
            assertThat(r.exit()).as("udhcpc:\n%s\nserver log:\n%s", r.output(), server.log()).isZero();
            Map<String, String> env = Udhcpc.lastLease(r.output());
            assertThat(env).as(r.output()).containsEntry("serverid", DNSMASQ.getHostAddress())
                    .doesNotContainKey("boot_file");
            assertDnsmasqLease(mac, env.get("ip"));
            note("udhcpc", pose, r.output().split("select for 0\\.0\\.0\\.0", -1).length - 1);
            assertOurOffer(cap, mac, pose);
        }
    }

    @Order(1)
    @ParameterizedTest
    @EnumSource(ClientPose.class)
    void dhclientPose(ClientPose pose) throws Exception {
        String mac = mac(2, pose);
        String role = "d-" + pose.name().toLowerCase();
        String ns = lab.host(role, mac, null);
        try (Capture cap = new Capture(lab, ns, role)) {
            Dhclient.Run run = Dhclient.run(lab, ns, "dhclient-" + role, pose.dhclientConf(DHCLIENT_TIMERS),
                    Duration.ofSeconds(15));
            Map<String, String> env = run.lease();
            assertThat(env).as("dhclient:\n%s\nserver log:\n%s", run.output(), server.log()).isNotNull()
                    .containsEntry("new_dhcp_server_identifier", DNSMASQ.getHostAddress())
                    .doesNotContainKey("new_filename");
            assertDnsmasqLease(mac, env.get("new_ip_address"));
            note("dhclient", pose, run.output().split("DHCPREQUEST for 0\\.0\\.0\\.0", -1).length - 1);
            assertOurOffer(cap, mac, pose);
        }
    }

    @Order(2)
    @Test
    void udhcpcTakesOurOfferWhenItComesFirstAndGetsNoLease() throws Exception {
        String ns = lab.host("u-slow", SLOW, null);
        NetLab.Result r = lab.exec(ns, Duration.ofSeconds(15), Udhcpc.command(udhcpcScript, true,
                ClientPose.UEFI.udhcpcArgs.toArray(String[]::new)).toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("broadcasting select for 0.0.0.0, server " + P)
                .doesNotContain("EVENT bound");
        assertThat(server.awaitLog("proxyDHCP REQUEST " + SLOW + " arch=efi-x64 ipxe=false -> ignored",
                Duration.ofSeconds(2))).as(server.log()).isTrue();
    }

    @Order(2)
    @Test
    void dhclientTakesOurOfferWhenItComesFirstAndKeepsAsking() throws Exception {
        String ns = lab.host("d-slow", SLOW, null);
        Dhclient.Run run = Dhclient.run(lab, ns, "dhclient-slow", ClientPose.BIOS.dhclientConf(DHCLIENT_TIMERS),
                Duration.ofSeconds(6));
        assertThat(run.lease()).as(run.output()).isNull();
        assertThat(run.output()).contains("DHCPOFFER of 0.0.0.0 from " + P)
                .contains("DHCPREQUEST for 0.0.0.0 on eth0");
        // after the reboot timeout it starts over (and takes our offer again, dnsmasq still being late)
        assertThat(run.output().split("DHCPOFFER of 0\\.0\\.0\\.0 from", -1).length - 1).isGreaterThanOrEqualTo(2);
    }

    static void note(String client, ClientPose pose, int zeroRequests) {
        // how often the client fell for our proxy offer before binding to dnsmasq (race; for the record only)
        System.out.printf("%s %s: %d REQUEST(s) for 0.0.0.0 before binding%n", client, pose, zeroRequests);
    }

    static void assertDnsmasqLease(String mac, String ip) throws Exception {
        assertThat(ip).startsWith(NET);
        assertThat(Integer.parseInt(ip.substring(NET.length()))).isBetween(100, 150);
        assertThat(Files.readString(lab.dir.resolve("dnsmasq.log"), StandardCharsets.UTF_8))
                .contains("DHCPACK(eth0) " + ip + " " + mac);
    }

    static boolean is(DhcpMessage m, MessageType type, String mac) {
        return m.messageType().equals(Optional.of(type)) && m.mac().map(x -> x.toString().equals(mac)).orElse(false);
    }

    /** Our OFFER answering one of this client's DISCOVERs, with the fields docs/dhcp.md promises this pose. */
    static void assertOurOffer(Capture cap, String mac, ClientPose pose) throws Exception {
        // the first packet a fresh server JVM answers can take a second: poll the capture
        List<Capture.Packet> all = cap.await(p -> p.src().equals(PROXY) && is(p.message(), MessageType.OFFER, mac),
                Duration.ofSeconds(5));
        Set<Integer> discovers = all.stream().map(Capture.Packet::message)
                .filter(m -> m.op() == DhcpMessage.BOOTREQUEST && is(m, MessageType.DISCOVER, mac))
                .map(DhcpMessage::xid).collect(Collectors.toSet());
        assertThat(discovers).as("client DISCOVERs on the wire").isNotEmpty();
        List<Capture.Packet> ours = all.stream().filter(p -> p.src().equals(PROXY) && p.sport() == 67
                && is(p.message(), MessageType.OFFER, mac) && discovers.contains(p.message().xid())).toList();
        assertThat(ours).as("our proxy offer for %s in %s\nserver log:\n%s", mac, all, server.log()).isNotEmpty();
        for (Capture.Packet p : ours) {
            DhcpMessage o = p.message();
            assertThat(p.dport()).isEqualTo(68);
            assertThat(o.mac().orElseThrow().toString()).isEqualTo(mac);
            assertThat(o.yiaddr()).isEqualTo(Ip4.ANY);
            assertThat(o.siaddr()).isEqualTo(PROXY);
            assertThat(o.serverId()).contains(PROXY);
            assertThat(o.vendorClass()).contains(pose.vendor);
            assertThat(o.file()).isEqualTo(pose.bootFile(P, mac));
            assertThat(o.has(DhcpOption.SUBNET_MASK)).as("a proxy offer hands out no address").isFalse();
            if (pose.vendorOptions) {
                assertThat(PxeVendorOptions.discoveryControl(o.vendorSpecific().orElseThrow()))
                        .isEqualTo(PxeVendorOptions.USE_FILE_NAME);
            } else {
                assertThat(o.has(DhcpOption.VENDOR_SPECIFIC)).as("no option 43 for %s", pose).isFalse();
            }
            if (pose.ipxeFlag) {
                assertThat(o.ipxe().orElseThrow().get(IpxeOptions.NO_PXEDHCP)).contains(new byte[] {1});
            } else {
                assertThat(o.ipxe()).isEmpty();
            }
        }
        assertThat(server.log()).contains("proxyDHCP DISCOVER " + mac + " " + pose.logged + " -> OFFER file="
                + pose.bootFile(P, mac));
    }
}
