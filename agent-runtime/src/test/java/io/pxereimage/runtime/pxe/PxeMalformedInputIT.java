package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Thousands of truncated, garbage, bad-cookie, overrunning and oversized packets at ports 67 and 4011, then a real
 * udhcpc still gets its lease and the drop counter went up. Namespaces {@code pxd-mf-*} on 10.231.13.0/24.
 */
class PxeMalformedInputIT {
    static final String NET = "10.231.13.";
    static final String KNOWN = "52:54:00:d3:00:01";
    static NetLab lab;
    static ServerProcess server;

    @BeforeAll
    static void up() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "busybox", "python3");
        lab = new NetLab("mf");
        lab.host("srv", null, NET + "1/24");
        String flood = lab.host("flood", null, NET + "50/24");
        lab.sh("ip", "-n", flood, "route", "add", "default", "dev", "eth0");
        lab.host("cli", KNOWN, null);
        server = new ServerProcess(lab, lab.ns("srv"), "mode=dhcp", "server=" + NET + "1",
                "range=" + NET + "100-" + NET + "150", "known=" + KNOWN);
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
    void garbageIsDroppedAndCountedAndRealClientsStillGetLeases() throws Exception {
        Path flood = lab.dir.resolve("flood.py");
        try (var in = getClass().getResourceAsStream("/pxe/flood.py")) {
            Files.copy(in, flood);
        }
        NetLab.Result r = lab.exec(lab.ns("flood"), Duration.ofSeconds(60), "python3", flood.toString(), NET + "1",
                "2000", "67", "4011");
        assertThat(r.exit()).as(r.output()).isZero();
        int sent = Integer.parseInt(r.output().replaceAll("(?s).*SENT (\\d+).*", "$1"));
        assertThat(sent).isGreaterThanOrEqualTo(3900);

        Path script = Udhcpc.script(lab);
        NetLab.Result lease = lab.exec(lab.ns("cli"), Duration.ofSeconds(20),
                Udhcpc.command(script, true, "-V", "PXEClient:Arch:00000:UNDI:002001").toArray(String[]::new));
        assertThat(lease.exit()).as("%s\nserver log tail:\n%s", lease.output(), tail(server.log())).isZero();
        assertThat(Udhcpc.lastLease(lease.output())).containsEntry("boot_file", "undionly.kpxe");

        assertThat(server.alive()).isTrue();
        Map<String, Double> m = server.metrics();
        // the kernel may drop some of the burst; most must reach the decoder and be counted
        assertThat(m.getOrDefault("pxe_dhcp_dropped_total{reason=malformed}", 0.0)).as(m.toString())
                .isGreaterThan(sent / 2.0);
        assertThat(m.getOrDefault("pxe_dhcp_dropped_total{reason=error}", 0.0)).as(m.toString()).isZero();
        assertThat(m.getOrDefault("pxe_dhcp_packets_total{outcome=ack,type=REQUEST}", 0.0)).isGreaterThanOrEqualTo(1);
    }

    static String tail(String log) {
        return log.length() < 4000 ? log : log.substring(log.length() - 4000);
    }
}
