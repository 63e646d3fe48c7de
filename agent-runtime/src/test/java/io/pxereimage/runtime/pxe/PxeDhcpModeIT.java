package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * DHCP mode against real clients: busybox udhcpc posing as BIOS PXE, UEFI PXE, UEFI HTTP boot and iPXE, ISC
 * dhclient, a renewal, and an unknown MAC that must get no answer. Server and clients run in namespaces
 * {@code pxd-dm-*} on 10.231.11.0/24.
 */
class PxeDhcpModeIT {
    static final String NET = "10.231.11.";
    static final String SERVER = NET + "1";
    static final String KNOWN = "52:54:00:b1:00:01";
    static final String UNKNOWN = "52:54:00:b1:00:99";
    static NetLab lab;
    static ServerProcess server;
    static Path script;

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "busybox", "dhclient");
        lab = new NetLab("dm");
        lab.host("srv", null, SERVER + "/24");
        lab.host("cli", KNOWN, null);
        lab.host("unk", UNKNOWN, null);
        script = Udhcpc.script(lab);
        server = new ServerProcess(lab, lab.ns("srv"), "mode=dhcp", "server=" + SERVER,
                "range=" + NET + "100-" + NET + "150", "known=" + KNOWN, "lease=120",
                "data=" + lab.dir.resolve("leases"));
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

    static Map<String, String> lease(String... pose) throws Exception {
        NetLab.Result r = lab.exec(lab.ns("cli"), Duration.ofSeconds(20),
                Udhcpc.command(script, true, pose).toArray(String[]::new));
        assertThat(r.exit()).as("udhcpc output:\n%s\nserver log:\n%s", r.output(), server.log()).isZero();
        Map<String, String> env = Udhcpc.lastLease(r.output());
        assertThat(env).as(r.output()).isNotNull();
        assertThat(env.get("ip")).startsWith(NET);
        assertThat(Integer.parseInt(env.get("ip").substring(NET.length()))).isBetween(100, 150);
        assertThat(env).containsEntry("serverid", SERVER).containsEntry("subnet", "255.255.255.0");
        assertThat(Integer.parseInt(env.get("lease"))).isEqualTo(120);
        return env;
    }

    @Test
    void biosPxePoseGetsUndionlyOverTftp() throws Exception {
        Map<String, String> env = lease("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000");
        assertThat(env).containsEntry("boot_file", "undionly.kpxe").containsEntry("siaddr", SERVER)
                .containsEntry("sname", SERVER).containsEntry("vendor", "PXEClient")
                .containsEntry("opt43", "060108ff");
    }

    @Test
    void uefiPxePoseGetsIpxeEfiWithoutVendorOptions() throws Exception {
        Map<String, String> env = lease("-V", "PXEClient:Arch:00007:UNDI:003000", "-x", "0x5d:0007");
        assertThat(env).containsEntry("boot_file", "ipxe.efi").containsEntry("siaddr", SERVER)
                .containsEntry("vendor", "PXEClient").doesNotContainKey("opt43");
    }

    @Test
    void httpBootPoseGetsAnUrlAndHttpClient() throws Exception {
        Map<String, String> env = lease("-V", "HTTPClient:Arch:00016:UNDI:003000", "-x", "0x5d:0010");
        assertThat(env).containsEntry("boot_file", "http://" + SERVER + ":8080/loaders/ipxe.efi")
                .containsEntry("vendor", "HTTPClient").doesNotContainKey("opt43");
    }

    @Test
    void ipxePoseGetsItsScriptAndTheNoProxyWaitFlag() throws Exception {
        Map<String, String> env = lease("-x", "0x4d:69505845", "-x", "0xaf:b10501808610");
        assertThat(env).containsEntry("boot_file", "http://" + SERVER + ":8080/boot/" + KNOWN + ".ipxe")
                .containsEntry("opt175", "b00101");
    }

    @Test
    void theBootedOsGetsAPlainLease() throws Exception {
        Map<String, String> env = lease();
        assertThat(env).doesNotContainKey("boot_file").doesNotContainKey("opt43").doesNotContainKey("vendor");
    }

    @Test
    void dhclientGetsALease() throws Exception {
        Path out = lab.dir.resolve("dhclient.out");
        Path dhs = lab.script("dhclient.sh", "echo \"REASON $reason ip=$new_ip_address mask=$new_subnet_mask\"\n");
        lab.start(lab.ns("cli"), out, "dhclient", "-4", "-v", "-d", "-1", "-sf", dhs.toString(),
                "-lf", lab.dir.resolve("dhclient.leases").toString(), "-pf", lab.dir.resolve("dhclient.pid").toString(),
                "eth0");
        String text = "";
        for (int i = 0; i < 150 && !text.contains("REASON BOUND"); i++) {
            Thread.sleep(100);
            text = Files.readString(out, StandardCharsets.UTF_8);
        }
        assertThat(text).as("dhclient output; server log:\n%s", server.log())
                .containsPattern("REASON BOUND ip=10\\.231\\.11\\.1[0-5][0-9] mask=255\\.255\\.255\\.0");
    }

    @Test
    void aRenewalExtendsTheLease() throws Exception {
        Path out = lab.dir.resolve("renew.out");
        Process p = lab.start(lab.ns("cli"), out, Udhcpc.command(script, false).toArray(String[]::new));
        try {
            String text = awaitText(out, "END bound");
            long acksBefore = server.log().lines().filter(l -> l.contains("REQUEST " + KNOWN)
                    && l.contains("-> ACK")).count();
            // SIGUSR1 makes busybox udhcpc renew now: a unicast REQUEST with ciaddr (RENEWING state)
            lab.sh("kill", "-USR1", Long.toString(p.pid()));
            text = awaitText(out, "END renew"); // the variables are printed after "EVENT renew"
            Map<String, String> env = Udhcpc.lastLease(text);
            assertThat(env.get("ip")).startsWith(NET);
            long acksAfter = server.log().lines().filter(l -> l.contains("REQUEST " + KNOWN)
                    && l.contains("-> ACK")).count();
            assertThat(acksAfter).isGreaterThan(acksBefore);
        } finally {
            p.destroy();
        }
    }

    @Test
    void anUnknownMacGetsNoAnswer() throws Exception {
        NetLab.Result r = lab.exec(lab.ns("unk"), Duration.ofSeconds(15),
                "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "3", "-T", "1", "-s", script.toString(),
                "-V", "PXEClient:Arch:00000:UNDI:002001");
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).doesNotContain("EVENT bound");
        assertThat(server.awaitLog("DISCOVER " + UNKNOWN + " arch=bios ipxe=false -> ignored (unknown MAC)",
                Duration.ofSeconds(2))).as(server.log()).isTrue();
        assertThat(server.metrics()).hasEntrySatisfying("pxe_dhcp_packets_total{outcome=ignored,type=DISCOVER}",
                v -> assertThat(v).isGreaterThanOrEqualTo(3));
    }

    static String awaitText(Path file, String text) throws Exception {
        String s = "";
        for (int i = 0; i < 150; i++) {
            s = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            if (s.contains(text)) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + text + "' in:\n" + s + "\nserver log:\n" + server.log());
    }
}
