package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.cli.Main;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * A machine boots across a real relay (docs/relay.md). qemu's BIOS NIC ROM (iPXE) is on the client subnet
 * 10.231.108.0/24 (bridge); a router namespace (10.231.108.1 there, 10.231.107.1 toward the server) forwards IPv4
 * and runs the relay; the runtime ({@code serve --config}, dhcp mode with a {@code relayedSubnets} entry) is at
 * 10.231.107.2. The machine must get an address of the relayed range with the relay as router, and fetch its
 * script and kernel over HTTP from the runtime through the router.
 *
 * <ul>
 *   <li>ISC {@code dhcrelay} on the standard ports (it cannot forward to another port than it listens on);</li>
 *   <li>dnsmasq {@code --dhcp-relay=...#2067} with the runtime on {@code alternatePorts} (2067/2068): the relay
 *       listens on 67 for the client and forwards to 2067; the runtime answers the relay's port 67.</li>
 * </ul>
 * Namespaces {@code pxh-*}.
 */
class PxeRelayQemuIT {
    static final String MAC = "52:54:00:a7:01:08";
    static final String CLIENTS = "10.231.108.";
    static final String SERVERS = "10.231.107.";
    static final String SERVER = SERVERS + "2";
    static final String RELAY = CLIENTS + "1";
    static final String UEFI_MAC = "52:54:00:a7:01:07";

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "dnsmasq", "dhcrelay", "qemu-system-x86_64", "sysctl",
                "tcpdump");
    }

    @Test
    void biosIpxeBootsAcrossIscDhcrelay() throws Exception {
        try (NetLab lab = new NetLab("pxh", "ri")) {
            String rtr = topology(lab);
            // -id: the client side (giaddr = its address), -iu: toward the server; -a adds option 82 (circuit id
            // "eth0"), which dhcrelay then uses to pick the client interface of our echoed reply; -D drops replies
            // whose 82 is not its own
            lab.start(rtr, lab.dir.resolve("relay.log"), "dhcrelay", "-4", "-d", "--no-pid", "-a", "-D", "-id",
                    "eth0", "-iu", "eth1", SERVER);
            try (Capture wire = new Capture(lab, lab.ns("srv"), "srv")) {
                bootAndCheck(lab, false);
                assertThat(Files.readString(lab.dir.resolve("relay.log"))).contains("Forwarded BOOTREQUEST for " + MAC);
                // on the server's wire: the relay's requests (giaddr, hops 1, its option 82) and our replies to
                // giaddr:67 with giaddr kept, hops 0 and the same option 82
                List<Capture.Packet> seen = wire.dhcp();
                Capture.Packet request = seen.stream().filter(p -> p.message().op() == DhcpMessage.BOOTREQUEST)
                        .findFirst().orElseThrow();
                assertThat(request.message().giaddr()).isEqualTo(Ip4.parse(RELAY));
                assertThat(request.message().hops()).isEqualTo(1);
                byte[] agentInfo = request.message().option(DhcpOption.RELAY_AGENT_INFO).orElseThrow();
                List<Capture.Packet> replies = seen.stream()
                        .filter(p -> p.message().op() == DhcpMessage.BOOTREPLY).toList();
                assertThat(replies).hasSizeGreaterThanOrEqualTo(2); // OFFER and ACK
                for (Capture.Packet r : replies) {
                    assertThat(r.src()).isEqualTo(Ip4.parse(SERVER));
                    assertThat(r.sport()).isEqualTo(67);
                    assertThat(r.dport()).isEqualTo(67);
                    assertThat(r.message().giaddr()).isEqualTo(Ip4.parse(RELAY));
                    assertThat(r.message().hops()).isZero();
                    assertThat(r.message().option(DhcpOption.RELAY_AGENT_INFO)).hasValue(agentInfo);
                }
            }
        }
    }

    @Test
    void biosIpxeBootsThroughDnsmasqRelayToAlternatePorts() throws Exception {
        try (NetLab lab = new NetLab("pxh", "ra")) {
            String rtr = topology(lab);
            lab.start(rtr, lab.dir.resolve("relay.log"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                    "--keep-in-foreground", "--user=root", "--log-dhcp", "--log-facility=-",
                    "--pid-file=" + lab.dir.resolve("relay.pid"), "--interface=eth0", "--interface=eth1",
                    "--dhcp-relay=" + RELAY + "," + SERVER + "#2067");
            bootAndCheck(lab, true);
            assertThat(Files.readString(lab.dir.resolve("relay.log")))
                    .contains("DHCP relay from " + RELAY + " to " + SERVER + "#2067")
                    .contains("DHCP relay at " + RELAY + " -> " + SERVER);
        }
    }

    /**
     * Proxy mode across the relay: dhcrelay forwards to a DHCP server (dnsmasq, addresses for the client subnet,
     * behind a third leg of the router, 10.231.109.0/24) and to the runtime. OVMF's own PXE client (arch 7) takes
     * the address from dnsmasq and our BINL offer (both relayed), sends its port-4011 REQUEST to us through the
     * router, gets our ACK, loads ipxe.efi over TFTP through the router; iPXE then asks again and fetches script and
     * kernel over HTTP.
     */
    @Test
    void uefiFirmwareBootsAcrossTheRelayInProxyModeWith4011AndTftp() throws Exception {
        Prerequisites.requireFiles("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd",
                "/usr/lib/ipxe/ipxe.efi");
        try (NetLab lab = new NetLab("pxh", "ru")) {
            String rtr = topology(lab);
            String dh = lab.linked("dh", "10.231.109.2/24", rtr, "eth2", "10.231.109.1/24");
            lab.sh("ip", "-n", dh, "route", "add", CLIENTS + "0/24", "via", "10.231.109.1");
            lab.start(dh, lab.dir.resolve("dnsmasq.log"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                    "--keep-in-foreground", "--user=root", "--log-dhcp", "--log-facility=-",
                    "--pid-file=" + lab.dir.resolve("dnsmasq.pid"),
                    "--dhcp-leasefile=" + lab.dir.resolve("dnsmasq.leases"), "--no-ping",
                    "--dhcp-range=" + CLIENTS + "200," + CLIENTS + "220,255.255.255.0,10m",
                    "--dhcp-option=3," + RELAY);
            lab.start(rtr, lab.dir.resolve("relay.log"), "dhcrelay", "-4", "-d", "--no-pid", "-id", "eth0",
                    "-iu", "eth1", "-iu", "eth2", SERVER, "10.231.109.2");
            Path log = startRuntime(lab, "  mode: proxy", "/usr/lib/ipxe");
            Path vars = lab.dir.resolve("vars.fd");
            Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), vars);
            long t0 = System.nanoTime();
            lab.start(lab.ns("sw"), lab.dir.resolve("qemu.out"), "qemu-system-x86_64", "-accel", "tcg", "-m", "512",
                    "-nographic", "-nodefaults", "-display", "none", "-serial",
                    "file:" + lab.dir.resolve("serial.log"), "-monitor", "none", "-no-reboot", "-machine", "q35",
                    "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars,
                    "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=no",
                    "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=n0,mac=" + UEFI_MAC + ",romfile=", "-boot", "order=n");
            await(log, "HTTP file /files/vmlinuz", Duration.ofSeconds(150));
            System.out.printf("relay boot (UEFI, proxy, dhcrelay): kernel fetched %.1f s after qemu start%n",
                    (System.nanoTime() - t0) / 1e9);
            String s = read(log);
            assertThat(s).contains("proxyDHCP DISCOVER " + UEFI_MAC + " arch=efi-x64 ipxe=false -> OFFER"
                    + " file=ipxe.efi (BINL: expect 4011) via relay " + RELAY);
            assertThat(s).contains("PXE REQUEST " + UEFI_MAC + " arch=efi-x64 ipxe=false -> ACK file=ipxe.efi");
            assertThat(s).containsPattern("TFTP sent ipxe.efi to /?" + CLIENTS.replace(".", "\\.") + "2\\d\\d:");
            assertThat(s).contains("proxyDHCP DISCOVER " + UEFI_MAC + " arch=efi-x64 ipxe=true -> OFFER file=http://"
                    + SERVER + ":8080/boot/" + UEFI_MAC + ".ipxe via relay " + RELAY);
            assertThat(s).containsPattern("HTTP file /files/vmlinuz .* to /?" + CLIENTS.replace(".", "\\.")
                    + "2\\d\\d");
            assertThat(Files.readString(lab.dir.resolve("dnsmasq.log"))).contains("DHCPACK").contains(UEFI_MAC);
        }
    }

    /** The client bridge with a tap for qemu, an RA sender, the router, the server namespace; returns the router. */
    static String topology(NetLab lab) throws Exception {
        String sw = lab.ns("sw");
        lab.sh("ip", "-n", sw, "tuntap", "add", "dev", "tap0", "mode", "tap");
        lab.sh("ip", "-n", sw, "link", "set", "tap0", "master", "br0", "up");
        String rtr = lab.host("rtr", null, RELAY + "/24");
        String srv = lab.linked("srv", SERVER + "/24", rtr, "eth1", SERVERS + "1/24");
        lab.sh("ip", "netns", "exec", rtr, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        lab.sh("ip", "-n", srv, "route", "add", CLIENTS + "0/24", "via", SERVERS + "1");
        // IPv6 router advertisements on the client subnet, so iPXE does not wait ~15 s for one
        String ra = lab.host("ra", null, null);
        lab.sh("ip", "-n", ra, "addr", "add", "fd42:231:108::2/64", "dev", "eth0", "nodad");
        lab.start(ra, lab.dir.resolve("ra.log"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                "--keep-in-foreground", "--user=root", "--bind-interfaces", "--interface=eth0",
                "--except-interface=lo", "--pid-file=" + lab.dir.resolve("ra.pid"), "--enable-ra",
                "--dhcp-range=fd42:231:108::,ra-only,64,10m");
        return rtr;
    }

    /** Starts the runtime, boots qemu, waits for the kernel fetch, checks the runtime's log. */
    static void bootAndCheck(NetLab lab, boolean alternatePorts) throws Exception {
        Path log = startRuntime(lab, """
                  mode: dhcp
                  alternatePorts: %s
                  rangeStart: %s100
                  rangeEnd: %s150
                  subnetMask: 255.255.255.0
                  relayedSubnets:
                    - {subnet: %s0/24, rangeStart: %s100, rangeEnd: %s150}
                """.formatted(alternatePorts, SERVERS, SERVERS, CLIENTS, CLIENTS, CLIENTS), "loaders");
        String ports = alternatePorts ? "[2067, 4011]" : "[67, 4011]";
        assertThat(read(log)).contains("listening on 0.0.0.0 ports " + ports + ", advertising " + SERVER
                + ", relayed subnets [" + CLIENTS + "0/24]");
        long t0 = System.nanoTime();
        lab.start(lab.ns("sw"), lab.dir.resolve("qemu.out"), "qemu-system-x86_64", "-accel", "tcg", "-m", "256",
                "-nographic", "-nodefaults", "-display", "none", "-serial", "file:" + lab.dir.resolve("serial.log"),
                "-monitor", "none", "-no-reboot", "-boot", "n", "-netdev",
                "tap,id=n0,ifname=tap0,script=no,downscript=no", "-device", "e1000,netdev=n0,mac=" + MAC);
        await(log, "HTTP file /files/vmlinuz", Duration.ofSeconds(120));
        System.out.printf("relay boot (%s): kernel fetched %.1f s after qemu start%n",
                alternatePorts ? "dnsmasq, 2067" : "dhcrelay, 67", (System.nanoTime() - t0) / 1e9);
        String s = read(log);
        String script = "http://" + SERVER + ":8080/boot/" + MAC + ".ipxe";
        assertThat(s).contains("DHCP DISCOVER " + MAC + " arch=bios ipxe=true -> OFFER " + CLIENTS + "100 file="
                + script + " via relay " + RELAY);
        assertThat(s).contains("DHCP REQUEST " + MAC + " arch=bios ipxe=true -> ACK " + CLIENTS + "100 file="
                + script + " via relay " + RELAY);
        assertThat(s).contains("HTTP script " + MAC);
        assertThat(s).containsPattern("HTTP file /files/vmlinuz .* to /?" + CLIENTS.replace(".", "\\.") + "100");
        assertThat(s).doesNotContain("send_failed").doesNotContain("failed:");
    }

    /**
     * The runtime ({@code serve --config}) in the server namespace with the given {@code dhcp:} section body and
     * TFTP root ({@code "loaders"}: a dummy; else a real directory); returns its log once it is ready.
     */
    static Path startRuntime(NetLab lab, String dhcp, String tftpRoot) throws Exception {
        Path d = lab.dir;
        Path loaders = Files.createDirectories(d.resolve("loaders"));
        Files.writeString(loaders.resolve("undionly.kpxe"), "not really iPXE");
        Path files = Files.createDirectories(d.resolve("files"));
        Files.write(files.resolve("vmlinuz"), new byte[64 * 1024]);
        Path config = d.resolve("runtime.yaml");
        Files.writeString(config, """
                address: %s
                dataDir: %s
                dhcp:
                %s
                tftp: {root: %s}
                http: {port: 8080, filesRoot: %s}
                machines:
                  - {mac: "%s", action: boot, kernel: vmlinuz, cmdline: "console=ttyS0"}
                  - {mac: "%s", action: boot, kernel: vmlinuz, cmdline: "console=ttyS0"}
                """.formatted(SERVER, d.resolve("data"), dhcp.stripTrailing(),
                tftpRoot.equals("loaders") ? loaders : tftpRoot, files, MAC, UEFI_MAC));
        Path log = d.resolve("runtime.log");
        lab.start(lab.ns("srv"), log, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--config", config.toString());
        await(log, "ready", Duration.ofSeconds(30));
        return log;
    }

    static void await(Path log, String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end && !read(log).contains(text)) {
            Thread.sleep(250);
        }
        assertThat(read(log)).as("runtime log").contains(text);
    }

    static String read(Path f) throws Exception {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
