package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Real firmware in proxy mode: qemu's BIOS NIC ROM (iPXE, arch 0) next to dnsmasq as the plain DHCP server. iPXE
 * must take its address from dnsmasq, accept our proxy offer and fetch the script URL we handed out (seen in the
 * HTTP server's log); a port-4011 request, if this iPXE sends one, must be answered. Namespaces {@code pxd-qb-*}, 10.231.14.0/24; qemu runs under TCG for at most ~60 s.
 */
class PxeQemuBiosIT {
    static final String NET = "10.231.14.";
    static final String SERVER = NET + "1";
    static final String MAC = "52:54:00:e4:00:01";
    static NetLab lab;
    static ServerProcess server;

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "dnsmasq", "python3", "qemu-system-x86_64");
        lab = new NetLab("qb");
        String srv = lab.host("srv", null, SERVER + "/24");
        lab.host("dns", null, NET + "2/24");
        String sw = lab.ns("sw");
        lab.sh("ip", "-n", sw, "tuntap", "add", "dev", "tap0", "mode", "tap");
        lab.sh("ip", "-n", sw, "link", "set", "tap0", "master", "br0", "up");
        Path d = lab.dir;
        // dnsmasq: addresses only, no PXE options, plus IPv6 RAs so iPXE does not wait ~15 s for one
        lab.sh("ip", "-n", lab.ns("dns"), "addr", "add", "fd42:231:14::2/64", "dev", "eth0", "nodad");
        lab.start(lab.ns("dns"), d.resolve("dnsmasq.out"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                "--keep-in-foreground", "--user=root", "--bind-interfaces", "--interface=eth0",
                "--except-interface=lo", "--log-dhcp", "--log-facility=" + d.resolve("dnsmasq.log"),
                "--pid-file=" + d.resolve("dnsmasq.pid"), "--dhcp-leasefile=" + d.resolve("dnsmasq.leases"),
                "--dhcp-range=" + NET + "100," + NET + "150,255.255.255.0,10m", "--dhcp-authoritative", "--no-ping",
                "--enable-ra", "--dhcp-range=fd42:231:14::,ra-only,64,10m");
        Path web = Files.createDirectories(d.resolve("web/boot"));
        Files.writeString(web.resolve(MAC + ".ipxe"), "#!ipxe\necho pxd script loaded\nsleep 30\n");
        lab.start(srv, d.resolve("http.log"), "python3", "-u", "-m", "http.server", "8080", "--bind", SERVER,
                "--directory", d.resolve("web").toString());
        server = new ServerProcess(lab, srv, "mode=proxy", "server=" + SERVER, "known=" + MAC, "http=8080");
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

    @Test
    void ipxeRomBootsFromOurProxyOffer() throws Exception {
        Path serial = lab.dir.resolve("serial.log");
        Path pcap = lab.dir.resolve("srv.pcap");
        lab.start(lab.ns("srv"), lab.dir.resolve("tcpdump.out"), "tcpdump", "-i", "eth0", "-U", "-w", pcap.toString(),
                "udp port 67 or udp port 68 or udp port 4011");
        Thread.sleep(500);
        lab.start(lab.ns("sw"), lab.dir.resolve("qemu.out"), "qemu-system-x86_64", "-accel", "tcg", "-m", "256",
                "-nographic", "-nodefaults", "-display", "none", "-serial", "file:" + serial, "-monitor", "none",
                "-no-reboot", "-boot", "n", "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                "-device", "e1000,netdev=n0,mac=" + MAC);
        // iPXE percent-encodes the colons of the MAC in the path
        String want = "GET /boot/" + MAC.replace(":", "%3A") + ".ipxe";
        Path http = lab.dir.resolve("http.log");
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String log = "";
        while (System.nanoTime() < end && !log.contains(want)) {
            Thread.sleep(250);
            log = Files.readString(http, StandardCharsets.UTF_8);
        }
        Thread.sleep(1000);
        String wire = lab.exec(lab.ns("srv"), Duration.ofSeconds(20), "tcpdump", "-n", "-r", pcap.toString()).output();
        String context = "\nserver log:\n" + server.log() + "\nhttp log:\n" + log + "\nwire:\n" + wire
                + "\nmetrics: " + server.metrics();
        assertThat(log).as(context).contains(want + " HTTP/1.1\" 200");
        String s = server.log();
        assertThat(s).as(context).contains("proxyDHCP DISCOVER " + MAC + " arch=bios ipxe=true -> OFFER file=http://"
                + SERVER + ":8080/boot/" + MAC + ".ipxe");
        // Debian's iPXE (2019) boots from the proxy offer itself; newer iPXE asks on 4011 first. Either way a
        // 4011 request on the wire must have been answered.
        if (wire.contains(".4011: ")) {
            assertThat(s).as(context).contains("PXE REQUEST " + MAC + " arch=bios ipxe=true -> ACK file=http://"
                    + SERVER + ":8080/boot/" + MAC + ".ipxe");
        }
        // the address itself came from dnsmasq
        assertThat(Files.readString(lab.dir.resolve("dnsmasq.log"), StandardCharsets.UTF_8)).contains("DHCPACK")
                .contains(MAC);
    }
}
