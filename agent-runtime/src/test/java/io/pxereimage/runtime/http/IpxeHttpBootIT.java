package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.LogCapture;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The real client: qemu's iPXE NIC ROM fetches its script, kernel and initrd from the server. qemu's user-mode
 * network (slirp) hands iPXE the script URL as boot file and maps 10.0.2.2 to the host's loopback, so no root and
 * no namespace are needed. The "kernel" is iPXE's own {@code ipxe.lkrn} (a valid bzImage), which is enough for
 * iPXE to accept it and go on to the initrd.
 */
class IpxeHttpBootIT {
    static final Path LKRN = Path.of("/usr/lib/ipxe/ipxe.lkrn");

    @TempDir
    Path tmp;

    @Test
    void qemuIpxeFetchesScriptKernelAndInitrd() throws Exception {
        Prerequisites.requireCommands("qemu-system-x86_64");
        Prerequisites.requireFiles(LKRN.toString(), "/usr/lib/ipxe/qemu/pxe-e1000.rom");
        MacAddress mac = MacAddress.parse("52:54:00:12:34:56");
        MachineRegistry registry = new MachineRegistry();
        registry.put(MachinePlan.boot(mac, "it-machine", new BootSpec("vmlinuz", List.of("initrd.img"), "quiet")));
        Path initrd = Files.writeString(tmp.resolve("initrd.img"), "not really an initrd\n");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (HttpServer server = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0),
                registry, meters); LogCapture log = new LogCapture()) {
            server.publish("vmlinuz", LKRN);
            server.publish("initrd.img", initrd);
            int port = server.start();
            Process qemu = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nographic",
                    "-nodefaults", "-display", "none", "-serial", "null", "-monitor", "none", "-no-reboot",
                    "-boot", "n",
                    "-netdev", "user,id=n0,ipv6=off,bootfile=http://10.0.2.2:" + port + "/boot/" + mac + ".ipxe",
                    "-device", "e1000,netdev=n0,mac=" + mac)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu.log").toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (served(meters, "files") < 2 && qemu.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
            } finally {
                qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String logged = log.text();
            assertThat(logged).as("server log; qemu said: %s", Files.readString(tmp.resolve("qemu.log")))
                    .contains("HTTP script " + mac + " -> it-machine")
                    .contains("HTTP file /files/vmlinuz " + FileSender.size(Files.size(LKRN)) + " in")
                    .contains("HTTP file /files/initrd.img 21 B in");
            assertThat(served(meters, "boot")).isEqualTo(1);
        }
    }

    private static double served(SimpleMeterRegistry meters, String route) {
        Counter c = meters.find("pxe.http.requests").tag("route", route).tag("status", "200").counter();
        return c == null ? 0 : c.count();
    }
}
