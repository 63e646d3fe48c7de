package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.dhcp.PxeVendorOptions;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Proxy mode next to a real DHCP server (dnsmasq, no PXE options) on 10.231.12.0/24, namespaces {@code pxd-pm-*}.
 * A raw test client ({@code dhcp_probe.py}) sees both offers on the wire, takes its address from dnsmasq, then asks
 * our boot server on port 4011; busybox udhcpc without a PXE pose gets its lease from dnsmasq alone.
 */
class PxeProxyModeIT {
    static final String NET = "10.231.12.";
    static final Inet4Address PROXY = Ip4.parse(NET + "1");
    static final Inet4Address DNSMASQ = Ip4.parse(NET + "2");
    static final String UEFI = "52:54:00:c2:00:07";
    static final String BIOS = "52:54:00:c2:00:01";
    static final String PLAIN = "52:54:00:c2:00:55";
    static NetLab lab;
    static ServerProcess server;
    static Path probe;

    record Reply(String step, String src, int sport, DhcpMessage message) {
    }

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "busybox", "dnsmasq", "python3");
        lab = new NetLab("pm");
        lab.host("srv", null, PROXY.getHostAddress() + "/24");
        lab.host("dns", null, DNSMASQ.getHostAddress() + "/24");
        lab.host("uefi", UEFI, null);
        lab.host("bios", BIOS, null);
        lab.host("plain", PLAIN, null);
        probe = lab.dir.resolve("dhcp_probe.py");
        try (var in = PxeProxyModeIT.class.getResourceAsStream("/pxe/dhcp_probe.py")) {
            Files.copy(in, probe);
        }
        Path d = lab.dir;
        lab.start(lab.ns("dns"), d.resolve("dnsmasq.out"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                "--keep-in-foreground", "--user=root", "--bind-interfaces", "--interface=eth0",
                "--except-interface=lo", "--log-dhcp", "--log-facility=" + d.resolve("dnsmasq.log"),
                "--pid-file=" + d.resolve("dnsmasq.pid"), "--dhcp-leasefile=" + d.resolve("dnsmasq.leases"),
                "--dhcp-range=" + NET + "100," + NET + "150,255.255.255.0,10m", "--dhcp-authoritative", "--no-ping");
        server = new ServerProcess(lab, lab.ns("srv"), "mode=proxy", "server=" + PROXY.getHostAddress(),
                "known=" + UEFI + "," + BIOS + "," + PLAIN);
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

    static List<Reply> probe(String role, String mac, String pose) throws Exception {
        NetLab.Result r = lab.exec(lab.ns(role), Duration.ofSeconds(20), "python3", probe.toString(), "eth0", mac,
                pose, PROXY.getHostAddress());
        assertThat(r.exit()).as("probe:\n%s\nserver log:\n%s", r.output(), server.log()).isZero();
        List<Reply> replies = new ArrayList<>();
        Pattern p = Pattern.compile("\\{\"step\": \"([a-z-]+)\", \"src\": \"([0-9.]+)\", \"sport\": (\\d+), "
                + "\"hex\": \"([0-9a-f]+)\"");
        for (String line : r.output().split("\n")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                replies.add(new Reply(m.group(1), m.group(2), Integer.parseInt(m.group(3)),
                        DhcpCodec.decode(HexFormat.of().parseHex(m.group(4)))));
            }
        }
        return replies;
    }

    static DhcpMessage ours(List<Reply> replies, String step) {
        return replies.stream().filter(r -> r.step().equals(step) && r.message().serverId().orElseThrow().equals(PROXY))
                .findFirst().orElseThrow(() -> new AssertionError("no " + step + " from the proxy in " + replies
                        + "\nserver log:\n" + server.log())).message();
    }

    @Test
    void uefiGetsItsAddressFromDnsmasqAndBootsThroughPort4011() throws Exception {
        List<Reply> replies = probe("uefi", UEFI, "uefi");
        // dnsmasq's offer and ACK carry the address; it sends no PXE options
        Reply dnsOffer = replies.stream().filter(r -> r.step().equals("offer")
                && r.message().serverId().orElseThrow().equals(DNSMASQ)).findFirst().orElseThrow();
        assertThat(dnsOffer.message().yiaddr().getHostAddress()).startsWith(NET);
        Reply ack = replies.stream().filter(r -> r.step().equals("ack")).findFirst().orElseThrow();
        assertThat(ack.message().messageType()).contains(MessageType.ACK);
        assertThat(ack.message().serverId()).contains(DNSMASQ);

        // our proxy offer, on the wire next to it: no address, boot info, BINL (no option 43) for UEFI
        DhcpMessage offer = ours(replies, "offer");
        assertThat(offer.messageType()).contains(MessageType.OFFER);
        assertThat(offer.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(offer.siaddr()).isEqualTo(PROXY);
        assertThat(offer.vendorClass()).contains("PXEClient");
        assertThat(offer.file()).isEqualTo("ipxe.efi");
        assertThat(offer.bootfile()).contains("ipxe.efi");
        assertThat(offer.tftpServer()).contains(PROXY.getHostAddress());
        assertThat(offer.clientUuid()).hasValueSatisfying(u -> assertThat(u).isEqualTo(uuid()));
        assertThat(offer.has(DhcpOption.VENDOR_SPECIFIC)).isFalse();

        // the port-4011 request gets an ACK from source port 4011
        Reply pxe = replies.stream().filter(r -> r.step().equals("pxe-ack")).findFirst().orElseThrow();
        assertThat(pxe.src()).isEqualTo(PROXY.getHostAddress());
        assertThat(pxe.sport()).isEqualTo(4011);
        DhcpMessage a = pxe.message();
        assertThat(a.messageType()).contains(MessageType.ACK);
        assertThat(a.siaddr()).isEqualTo(PROXY);
        assertThat(a.sname()).isEqualTo(PROXY.getHostAddress());
        assertThat(a.file()).isEqualTo("ipxe.efi");
        assertThat(a.serverId()).contains(PROXY);
        assertThat(a.vendorClass()).contains("PXEClient");
        assertThat(a.clientUuid()).hasValueSatisfying(u -> assertThat(u).isEqualTo(uuid()));
        assertThat(server.log()).contains("PXE REQUEST " + UEFI + " arch=efi-x64 ipxe=false -> ACK file=ipxe.efi");
    }

    @Test
    void biosGetsAProxyOfferWithDiscoveryControl() throws Exception {
        List<Reply> replies = probe("bios", BIOS, "bios");
        DhcpMessage offer = ours(replies, "offer");
        assertThat(offer.yiaddr()).isEqualTo(Ip4.ANY);
        assertThat(offer.file()).isEqualTo("undionly.kpxe");
        assertThat(PxeVendorOptions.discoveryControl(offer.vendorSpecific().orElseThrow()))
                .isEqualTo(PxeVendorOptions.USE_FILE_NAME);
        assertThat(replies).anySatisfy(r -> assertThat(r.step()).isEqualTo("ack"));
    }

    @Test
    void aPlainClientIsLeftToDnsmasq() throws Exception {
        Path script = Udhcpc.script(lab);
        NetLab.Result r = lab.exec(lab.ns("plain"), Duration.ofSeconds(20),
                Udhcpc.command(script, true).toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, String> env = Udhcpc.lastLease(r.output());
        assertThat(env).containsEntry("serverid", DNSMASQ.getHostAddress()).doesNotContainKey("boot_file");
        assertThat(server.awaitLog("proxyDHCP DISCOVER " + PLAIN + " arch=bios ipxe=false -> ignored (not a PXE client)",
                Duration.ofSeconds(2))).as(server.log()).isTrue();
        // REQUESTs on 67 are the DHCP server's business in proxy mode
        assertThat(server.log()).contains("proxyDHCP REQUEST " + PLAIN
                + " arch=bios ipxe=false -> ignored (REQUEST is for the DHCP server)");
        assertThat(Files.readString(lab.dir.resolve("dnsmasq.log"), StandardCharsets.UTF_8)).contains(PLAIN);
    }

    static byte[] uuid() {
        byte[] u = new byte[16];
        for (int i = 0; i < 16; i++) {
            u[i] = (byte) i;
        }
        return u;
    }
}
