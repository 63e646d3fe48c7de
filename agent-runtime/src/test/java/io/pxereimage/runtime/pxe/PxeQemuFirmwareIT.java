package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Real firmware: qemu's BIOS NIC ROM (iPXE, arch 0) under TCG. In proxy mode next to dnsmasq (addresses only) it
 * must take its address from dnsmasq, accept our proxy offer and fetch the script URL we handed out (seen in the
 * HTTP server's log); a port-4011 request, if this iPXE sends one, must be answered. In DHCP mode it gets its lease
 * and the script URL from us. UEFI (OVMF's own PXE client, arch 7) in proxy mode must come to port 4011 after our
 * BINL offer and then fetch {@code ipxe.efi} over TFTP from us. Namespaces {@code pxd-qb-*}, {@code pxd-qd-*},
 * {@code pxd-qu-*} on 10.231.14-16.0/24.
 */
class PxeQemuFirmwareIT {
    static final String MAC = "52:54:00:e4:00:01";

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "dnsmasq", "python3", "qemu-system-x86_64", "tcpdump");
    }

    @Test
    void ipxeRomBootsFromOurProxyOffer() throws Exception {
        String net = "10.231.14.";
        try (NetLab lab = new NetLab("qb")) {
            ServerProcess server = boot(lab, net, true);
            String s = server.log();
            String wire = lab.exec(lab.ns("srv"), Duration.ofSeconds(20), "tcpdump", "-n", "-r",
                    lab.dir.resolve("srv.pcap").toString()).output();
            String context = "\nserver log:\n" + s + "\nwire:\n" + wire;
            assertThat(s).as(context).contains("proxyDHCP DISCOVER " + MAC + " arch=bios ipxe=true -> OFFER file="
                    + url(net));
            // Debian's iPXE (2019) boots from the proxy offer itself; newer iPXE asks on 4011 first. Either way a
            // 4011 request on the wire must have been answered.
            if (wire.contains(".4011: ")) {
                assertThat(s).as(context).contains("PXE REQUEST " + MAC + " arch=bios ipxe=true -> ACK file=" + url(net));
            }
            // the address itself came from dnsmasq
            assertThat(Files.readString(lab.dir.resolve("dnsmasq.log"), StandardCharsets.UTF_8)).contains("DHCPACK")
                    .contains(MAC);
        }
    }

    @Test
    void ipxeRomGetsItsLeaseAndScriptFromUsInDhcpMode() throws Exception {
        String net = "10.231.15.";
        try (NetLab lab = new NetLab("qd")) {
            ServerProcess server = boot(lab, net, false);
            String s = server.log();
            assertThat(s).contains("DHCP DISCOVER " + MAC + " arch=bios ipxe=true -> OFFER " + net + "100 file="
                    + url(net));
            assertThat(s).contains("DHCP REQUEST " + MAC + " arch=bios ipxe=true -> ACK " + net + "100 file="
                    + url(net));
        }
    }

    @Test
    void uefiFirmwareTakesTheBinlOfferAndAsksOnPort4011() throws Exception {
        Prerequisites.requireFiles("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd");
        String net = "10.231.16.";
        String mac = "52:54:00:e4:00:07";
        try (NetLab lab = new NetLab("qu")) {
            ServerProcess server = setUp(lab, net, true, mac);
            Path vars = lab.dir.resolve("vars.fd");
            Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), vars);
            lab.start(lab.ns("sw"), lab.dir.resolve("qemu.out"), "qemu-system-x86_64", "-accel", "tcg", "-m", "512",
                    "-nographic", "-nodefaults", "-display", "none", "-serial", "file:" + lab.dir.resolve("serial.log"),
                    "-monitor", "none", "-no-reboot", "-machine", "q35",
                    "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars,
                    "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=no",
                    "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",romfile=", "-boot", "order=n");
            // the firmware accepted our 4011 ACK when it asks siaddr for the file over TFTP
            String want = "PXE REQUEST " + mac + " arch=efi-x64 ipxe=false -> ACK file=ipxe.efi";
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            String wire = "";
            while (System.nanoTime() < end && !(server.log().contains(want) && wire.contains(".69: "))) {
                Thread.sleep(1000);
                wire = lab.exec(lab.ns("srv"), Duration.ofSeconds(20), "tcpdump", "-n", "-r",
                        lab.dir.resolve("srv.pcap").toString()).output();
            }
            String context = "\nserver log:\n" + server.log() + "\nwire:\n" + wire;
            assertThat(server.log()).as(context).contains("proxyDHCP DISCOVER " + mac
                    + " arch=efi-x64 ipxe=false -> OFFER file=ipxe.efi (BINL: expect 4011)").contains(want);
            // EDK2 sends the 4011 request from port 4011 and gets the reply there, from our port 4011
            assertThat(wire).as(context).containsPattern(net.replace(".", "\\.") + "1\\.4011 > " + net.replace(".", "\\.")
                    + "\\d+\\.4011: ").containsPattern(net.replace(".", "\\.") + "1\\.69: .*RRQ \"ipxe\\.efi\"");
        }
    }

    static String url(String net) {
        return "http://" + net + "1:8080/boot/" + MAC + ".ipxe";
    }

    /** Sets up the lab, boots qemu's BIOS and waits until iPXE fetched its script over HTTP. */
    static ServerProcess boot(NetLab lab, String net, boolean proxy) throws Exception {
        ServerProcess pxe = setUp(lab, net, proxy, MAC);
        Path d = lab.dir;
        lab.start(lab.ns("sw"), d.resolve("qemu.out"), "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nographic",
                "-nodefaults", "-display", "none", "-serial", "file:" + d.resolve("serial.log"), "-monitor", "none",
                "-no-reboot", "-boot", "n", "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
                "-device", "e1000,netdev=n0,mac=" + MAC);
        // iPXE percent-encodes the colons of the MAC in the path
        String want = "GET /boot/" + MAC.replace(":", "%3A") + ".ipxe HTTP/1.1\" 200";
        Path http = d.resolve("http.log");
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String log = "";
        while (System.nanoTime() < end && !log.contains(want)) {
            Thread.sleep(250);
            log = Files.readString(http, StandardCharsets.UTF_8);
        }
        assertThat(log).as("http log; server log:\n%s", pxe.log()).contains(want);
        Thread.sleep(500); // let tcpdump flush
        return pxe;
    }

    /** Namespaces, a tap on the bridge, dnsmasq (RAs; v4 addresses in proxy mode), HTTP, tcpdump, our server. */
    static ServerProcess setUp(NetLab lab, String net, boolean proxy, String mac) throws Exception {
        String server = net + "1";
        String srv = lab.host("srv", null, server + "/24");
        String sw = lab.ns("sw");
        lab.sh("ip", "-n", sw, "tuntap", "add", "dev", "tap0", "mode", "tap");
        lab.sh("ip", "-n", sw, "link", "set", "tap0", "master", "br0", "up");
        Path d = lab.dir;
        String dns = lab.host("dns", null, net + "2/24");
        // IPv6 router advertisements, so iPXE does not wait ~15 s for one; DHCPv4 addresses only in proxy mode
        String v6 = "fd42:231:" + net.split("\\.")[2] + "::";
        lab.sh("ip", "-n", dns, "addr", "add", v6 + "2/64", "dev", "eth0", "nodad");
        lab.start(dns, d.resolve("dnsmasq.out"), "dnsmasq", "--conf-file=/dev/null", "--port=0",
                "--keep-in-foreground", "--user=root", "--bind-interfaces", "--interface=eth0",
                "--except-interface=lo", "--log-dhcp", "--log-facility=" + d.resolve("dnsmasq.log"),
                "--pid-file=" + d.resolve("dnsmasq.pid"), "--dhcp-leasefile=" + d.resolve("dnsmasq.leases"),
                "--enable-ra", "--dhcp-range=" + v6 + ",ra-only,64,10m", "--no-ping", "--dhcp-authoritative",
                proxy ? "--dhcp-range=" + net + "100," + net + "150,255.255.255.0,10m" : "--dhcp-ignore=tag:!known");
        Path web = Files.createDirectories(d.resolve("web/boot"));
        Files.writeString(web.resolve(mac + ".ipxe"), "#!ipxe\necho pxd script loaded\nsleep 30\n");
        lab.start(srv, d.resolve("http.log"), "python3", "-u", "-m", "http.server", "8080", "--bind", server,
                "--directory", d.resolve("web").toString());
        lab.start(srv, d.resolve("tcpdump.out"), "tcpdump", "-i", "eth0", "-U", "-w", d.resolve("srv.pcap").toString(),
                "udp port 67 or udp port 68 or udp port 4011 or udp port 69");
        return proxy
                ? new ServerProcess(lab, srv, "mode=proxy", "server=" + server, "known=" + mac, "http=8080")
                : new ServerProcess(lab, srv, "mode=dhcp", "server=" + server, "range=" + net + "100-" + net + "150",
                        "known=" + mac, "http=8080");
    }
}
