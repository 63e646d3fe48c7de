package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * A lab machine behind a real IPMI BMC ({@code lab/bmc.sh}: OpenIPMI ipmi_sim wired to qemu): plain ipmitool over
 * RMCP+ sets the one-time boot device to PXE and powers the machine on; it PXE-boots from the runtime up to the init
 * marker; power off really ends qemu. Without {@code bootdev pxe} the disk-less machine finds nothing to boot. The BMC is reached from the server namespace, as the runtime would.
 */
class IpmiLabIT {
    static final String MAC = "52:54:00:95:00:01";

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxi-", "10.231.95");

    @Test
    void ipmitoolDrivesPowerAndPxeBootOfALabMachine() throws Exception {
        Prerequisites.requireCommands("ipmi_sim", "ipmitool", "qemu-system-x86_64", "setsid", "ss");
        String token = "ipmi.token=" + UUID.randomUUID();
        // lab.shell keeps the machine up after the marker, so "power on" and "power off" are both observable.
        RuntimeProcess runtime = LAB.runtime("runtime", "dhcp", "console=ttyS0 lab.shell " + token, MAC);
        Path serial = LAB.file("bmc-serial.log");
        Path bmcLog = LAB.file("bmc.log");
        try {
            Procs.runOk(List.of("bash", LAB.lab("bmc.sh"), "start", "m1", "--prefix", LAB.prefix, "--mac", MAC,
                    "--serial-log", serial.toString()), LAB.env(), bmcLog, Duration.ofSeconds(20));

            assertThat(ipmi("chassis", "power", "status")).contains("Chassis Power is off");
            assertThat(Procs.read(serial)).as("no qemu output before power on").isEmpty();

            // Without a boot device request the disk-less machine does not reach the network.
            assertThat(ipmi("chassis", "power", "on")).contains("Up/On");
            assertThat(awaitSerial(serial, "No bootable device", Duration.ofSeconds(30))).as("serial %s", serial)
                    .isTrue();
            assertThat(ipmi("chassis", "power", "off")).contains("Down/Off");
            assertThat(runtime.lines("DHCP DISCOVER " + Pattern.quote(MAC) + " ")).isEmpty();

            // ipmitool exits 0 even when bootdev fails: the message is the proof.
            assertThat(ipmi("chassis", "bootdev", "pxe")).contains("Set Boot Device to pxe");
            long t0 = System.nanoTime();
            assertThat(ipmi("chassis", "power", "on")).contains("Up/On");
            assertThat(awaitSerial(serial, LabFixture.MARKER, Duration.ofSeconds(45))).as("marker in %s", serial)
                    .isTrue();
            System.err.printf("ipmi e2e: power on -> marker %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertThat(Procs.read(serial)).as("booted this runtime's kernel line").contains(token);
            assertThat(runtime.lines("DHCP REQUEST " + Pattern.quote(MAC) + " .*-> ACK ")).isNotEmpty();
            assertThat(ipmi("chassis", "power", "status")).contains("Chassis Power is on");
            long qemu = Long.parseLong(Procs.read(LAB.labWork().resolve("bmc-m1/qemu.pid")).trim());
            assertThat(running(qemu)).as("qemu %d running", qemu).isTrue();

            assertThat(ipmi("chassis", "power", "off")).contains("Down/Off");
            assertThat(running(qemu)).as("qemu %d gone after power off", qemu).isFalse();
            assertThat(ipmi("chassis", "power", "status")).contains("Chassis Power is off");
        } finally {
            Procs.run(List.of("bash", LAB.lab("bmc.sh"), "stop", "m1", "--prefix", LAB.prefix), LAB.env(), bmcLog,
                    Duration.ofSeconds(20));
        }
    }

    private static boolean awaitSerial(Path serial, String needle, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!Procs.read(serial).contains(needle)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** ipmitool from the server namespace; the password travels in the environment (-E), not on the command line. */
    private static String ipmi(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(LAB.inNamespace("srv", "ipmitool", "-I", "lanplus", "-C", "3", "-H",
                LAB.ip(240), "-p", "623", "-U", "admin", "-E"));
        cmd.addAll(List.of(args));
        Path log = LAB.file("ipmitool.log");
        long before = Procs.read(log).length();
        int rc = Procs.run(cmd, Map.of("IPMI_PASSWORD", "password"), log, Duration.ofSeconds(20));
        String out = Procs.read(log).substring((int) before);
        assertThat(rc).as("ipmitool %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    /** Alive and not a zombie (nobody reaps the detached qemu here). */
    private static boolean running(long pid) {
        try {
            String stat = Procs.read(Path.of("/proc/" + pid + "/stat"));
            return !stat.isEmpty() && !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
