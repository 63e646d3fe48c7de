package io.pxereimage.runtime.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pxereimage.runtime.testing.Prerequisites;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real firmware against the server: qemu with iPXE (BIOS NIC ROM) and with OVMF's own EDK2 PXE client, inside
 * network namespace {@value #NS} (10.231.7.0/24). dnsmasq only does DHCP (TFTP off); the server runs as its own
 * JVM ({@link TftpServerMain}) in the namespace. Each boot fetches a 5 MB file and a marker from an iPXE script,
 * then reboots, which ends qemu ({@code -no-reboot}).
 */
class TftpFirmwareIT {
    private static final String NS = "pxt-tftp";
    private static final String SERVER = "10.231.7.1";
    private static final Duration BOOT_LIMIT = Duration.ofSeconds(150);

    @TempDir
    Path work;
    private Path root;
    private Path serverLog;
    private final List<Process> processes = new ArrayList<>();
    private Process server;

    @BeforeEach
    void setUp() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "dnsmasq", "qemu-system-x86_64");
        Prerequisites.requireFiles("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd",
                "/usr/lib/ipxe/snponly.efi");
        root = Files.createDirectories(work.resolve("root"));
        Files.copy(Path.of("/usr/lib/ipxe/snponly.efi"), root.resolve("ipxe.efi"));
        TftpTestSupport.randomFile(root, "big.bin", 5_000_000, 77);
        Files.writeString(root.resolve("ok-marker"), "ok\n");
        Files.writeString(root.resolve("fail-marker"), "fail\n");
        Files.writeString(root.resolve("test.ipxe"), "#!ipxe\n"
                + "imgfetch tftp://" + SERVER + "/big.bin && imgfetch tftp://" + SERVER + "/ok-marker"
                + " || imgfetch tftp://" + SERVER + "/fail-marker\n"
                + "reboot\n");

        sh("ip", "netns", "del", NS); // leftovers of an aborted run; failure is fine
        must("ip", "netns", "add", NS);
        must("ip", "-n", NS, "link", "set", "lo", "up");
        must("ip", "-n", NS, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0");
        must("ip", "-n", NS, "addr", "add", SERVER + "/24", "dev", "br0");
        must("ip", "-n", NS, "link", "set", "br0", "up");
        must("ip", "-n", NS, "tuntap", "add", "dev", "tap0", "mode", "tap");
        must("ip", "-n", NS, "link", "set", "tap0", "master", "br0", "up");

        serverLog = work.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        server = spawn(serverLog, "ip", "netns", "exec", NS, java, "-cp", System.getProperty("java.class.path"),
                TftpServerMain.class.getName(), root.toString(), SERVER, "69");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(serverLog).contains("READY")) {
            assertThat(server.isAlive()).as("server exited: " + Files.readString(serverLog)).isTrue();
            assertThat(System.nanoTime()).as("server start").isLessThan(end);
            Thread.sleep(50);
        }
        spawn(work.resolve("dnsmasq.log"), "ip", "netns", "exec", NS, "dnsmasq", "--no-daemon", "--port=0",
                "--conf-file=/dev/null", "--interface=br0", "--bind-interfaces",
                "--dhcp-range=10.231.7.100,10.231.7.150,2m", "--dhcp-leasefile=" + work.resolve("leases"),
                "--dhcp-match=set:ipxe,175", "--dhcp-match=set:efi,option:client-arch,7",
                "--dhcp-option=tag:ipxe,encap:175,176,1b",
                "--dhcp-boot=tag:ipxe,test.ipxe,," + SERVER,
                "--dhcp-boot=tag:!ipxe,tag:efi,ipxe.efi,," + SERVER);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        sh("ip", "netns", "del", NS);
    }

    @Test
    void ipxeBiosRomFetchesScriptAndFiles() throws Exception {
        int rc = boot("-device", "e1000,netdev=n0,mac=52:54:00:07:00:01");
        String log = stopServer();
        assertThat(rc).as(log).isZero();
        // iPXE asks blksize 1432 + tsize.
        assertThat(log).containsPattern("TFTP sent test\\.ipxe to 10\\.231\\.7\\.\\d+:\\d+: \\d+ bytes, blksize 1432")
                .containsPattern("TFTP sent big\\.bin to 10\\.231\\.7\\.\\d+:\\d+: 5000000 bytes")
                .contains("TFTP sent ok-marker").doesNotContain("fail-marker")
                .contains("COUNTER timeout 0");
    }

    @Test
    void edk2PxeProbesAbortsThenUsesWindowsize4() throws Exception {
        Path vars = work.resolve("vars.fd");
        Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), vars, StandardCopyOption.REPLACE_EXISTING);
        int rc = boot("-machine", "q35",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars,
                "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:07:00:02,romfile=");
        String log = stopServer();
        assertThat(rc).as(log).isZero();
        assertThat(log).containsPattern("TFTP sent ipxe\\.efi to 10\\.231\\.7\\.\\d+:\\d+: "
                        + Files.size(root.resolve("ipxe.efi")) + " bytes, blksize 1468, windowsize 4")
                .containsPattern("TFTP sent big\\.bin to 10\\.231\\.7\\.\\d+:\\d+: 5000000 bytes")
                .contains("TFTP sent ok-marker").doesNotContain("fail-marker")
                // The EDK2 tsize probe ended with ERROR 8: counted as aborted, not as a failure.
                .contains("COUNTER aborted 1").contains("COUNTER timeout 0");
    }

    private int boot(String... machine) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NS, "qemu-system-x86_64", "-accel", "tcg",
                "-m", "512", "-nographic", "-nodefaults", "-display", "none", "-serial",
                "file:" + work.resolve("serial.log"), "-monitor", "none", "-no-reboot", "-boot", "n",
                "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
        cmd.addAll(List.of(machine));
        Process qemu = spawn(work.resolve("qemu.log"), cmd.toArray(String[]::new));
        if (!qemu.waitFor(BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            qemu.destroyForcibly().waitFor();
            throw new AssertionError("qemu did not finish within " + BOOT_LIMIT + "; server log:\n"
                    + Files.readString(serverLog));
        }
        return qemu.exitValue();
    }

    /** Stops the server (SIGTERM runs its hook that prints the counters) and returns its output. */
    private String stopServer() throws Exception {
        server.destroy();
        server.waitFor(15, TimeUnit.SECONDS);
        return Files.readString(serverLog);
    }

    private Process spawn(Path log, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(new File("/dev/null")).start();
        processes.add(0, p);
        return p;
    }

    private static int sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static void must(String... cmd) throws Exception {
        assertThat(sh(cmd)).as(String.join(" ", cmd)).isZero();
    }
}
