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
 * Second test: the reimage cycle of a lease (PXE once, guest reboot into the written disk in the same qemu) on two
 * machines side by side.
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
            runtime.stop(); // ports 67 and 8080, for the next test
        }
    }

    /**
     * What a lease's reimage needs from a BMC, on two machines side by side (taps 1 and 2, BMCs at .241 and .242):
     * {@code bootdev pxe} + {@code power on} network-boots a machine with a blank disk; the disk gets written while
     * the PXE-booted system runs (here by the test, as the deploy agent would), the system reboots ({@code
     * lab.reboot}) and the same qemu boots the disk (PXE was one-time), whose OS then powers off and the BMC reports
     * off. Meanwhile the other machine is power-cycled (no PXE request pending: its blank disk gives "No bootable
     * device") and powered off, without touching the first.
     */
    @Test
    void pxeOnceThenTheWrittenDiskAfterAGuestRebootOnTwoMachines() throws Exception {
        Prerequisites.requireCommands("ipmi_sim", "ipmitool", "qemu-system-x86_64", "setsid", "ss", "syslinux",
                "mcopy", "mkfs.fat", "sfdisk", "cpio", "zstd");
        Path demo = LAB.file("demo");
        Procs.runOk(List.of("bash", LAB.repo.resolve("boot-assets/build-demo-image.sh").toString(), demo.toString()),
                LAB.env(), LAB.file("setup.log"), Duration.ofSeconds(600));
        String mac1 = "52:54:00:95:00:11";
        String mac2 = "52:54:00:95:00:12";
        String token = "ipmi.token=" + UUID.randomUUID();
        RuntimeProcess runtime = LAB.runtime("runtime-reboot", "dhcp", "console=ttyS0 lab.reboot=8 " + token, mac1,
                mac2);
        Path bmcLog = LAB.file("bmc-reboot.log");
        Path serial1 = LAB.file("r1-serial.log");
        Path serial2 = LAB.file("r2-serial.log");
        Path disk1 = LAB.file("r1-disk.img");
        Path disk2 = LAB.file("r2-disk.img");
        try {
            for (Path d : List.of(disk1, disk2)) {
                Procs.runOk(List.of("truncate", "-s", "64M", d.toString()), Map.of(), bmcLog, Duration.ofSeconds(10));
            }
            bmc("r1", 1, mac1, disk1, serial1, bmcLog);
            bmc("r2", 2, mac2, disk2, serial2, bmcLog);
            for (int bmc : List.of(241, 242)) {
                assertThat(ipmi(bmc, "chassis", "bootdev", "pxe")).contains("Set Boot Device to pxe");
                assertThat(ipmi(bmc, "chassis", "power", "on")).contains("Up/On");
            }
            assertThat(awaitSerial(serial1, LabFixture.MARKER, Duration.ofSeconds(60))).as("r1 %s", serial1).isTrue();
            // "the deploy agent wrote the disk": the demo image, before the guest's reboot (lab.reboot=8)
            try (var in = java.nio.channels.FileChannel.open(demo.resolve("demo-disk.img"));
                    var out = java.nio.channels.FileChannel.open(disk1, java.nio.file.StandardOpenOption.WRITE)) {
                in.transferTo(0, in.size(), out);
                out.force(true);
            }
            assertThat(Procs.read(serial1)).as("r1 still in the PXE-booted system").doesNotContain("rebooting");
            assertThat(awaitSerial(serial2, LabFixture.MARKER, Duration.ofSeconds(60))).as("r2 %s", serial2).isTrue();
            assertThat(Procs.read(serial1) + Procs.read(serial2)).contains(token);
            long r1 = qemuPid("r1");
            long r2 = qemuPid("r2");

            // r2: cycle (one-time PXE already used: disk only, blank -> nothing to boot), then off; r1 untouched
            assertThat(ipmi(242, "chassis", "power", "cycle")).contains("Cycle");
            assertThat(running(r2)).as("off at once").isFalse();
            // ipmi_sim powers on again ~1 s after the off (its power-cycle delay), after ipmitool has returned
            long r2b = r2;
            for (long end = System.nanoTime() + Duration.ofSeconds(5).toNanos(); r2b == r2 && System.nanoTime() < end;) {
                Thread.sleep(100);
                r2b = qemuPid("r2");
            }
            assertThat(r2b).as("a new qemu for r2").isNotEqualTo(r2);
            assertThat(awaitSerial(serial2, "No bootable device", Duration.ofSeconds(30))).as("r2 %s", serial2)
                    .isTrue();
            assertThat(ipmi(242, "chassis", "power", "status")).contains("Chassis Power is on");
            assertThat(ipmi(242, "chassis", "power", "off")).contains("Down/Off");
            assertThat(running(r2b)).isFalse();
            assertThat(ipmi(242, "chassis", "power", "status")).contains("Chassis Power is off");
            assertThat(running(r1)).as("r1 unaffected").isTrue();
            assertThat(ipmi(241, "chassis", "power", "status")).contains("Chassis Power is on");

            // r1: the guest reboots into the written disk in the same qemu; the demo OS powers off
            assertThat(awaitSerial(serial1, "PXE-REIMAGE-OS: booted from disk", Duration.ofSeconds(60)))
                    .as("r1 booted its disk: %s", serial1).isTrue();
            assertThat(awaitSerial(serial1, "reboot: Power down", Duration.ofSeconds(30))).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (running(r1) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(running(r1)).as("qemu of r1 ended with the guest's power-off").isFalse();
            assertThat(ipmi(241, "chassis", "power", "status")).contains("Chassis Power is off");
            String s1 = Procs.read(serial1);
            assertThat(s1.split(java.util.regex.Pattern.quote(LabFixture.MARKER), -1)).as("r1 PXE-booted once")
                    .hasSize(2);
            assertThat(s1.indexOf("PXE-REIMAGE-MARKER: rebooting")).isGreaterThan(s1.indexOf(LabFixture.MARKER))
                    .isLessThan(s1.indexOf("PXE-REIMAGE-OS: booted from disk"));
            assertThat(Procs.read(LAB.labWork().resolve("bmc-r1/events")).lines()).as("r1: one qemu, one power on")
                    .hasSize(1).allMatch(l -> l.contains("-boot once=n,order=c"));
            assertThat(Procs.read(LAB.labWork().resolve("bmc-r2/events")).lines()).as("r2: pxe, then disk")
                    .hasSize(2).satisfies(l -> assertThat(l.get(1)).contains("-boot order=c"));
            // the runtime served r1's boot script once: no second PXE boot after the reboot
            assertThat(runtime.lines("HTTP script " + Pattern.quote(mac1) + " ")).hasSize(1);
        } finally {
            for (String m : List.of("r1", "r2")) {
                Procs.run(List.of("bash", LAB.lab("bmc.sh"), "stop", m, "--prefix", LAB.prefix), LAB.env(), bmcLog,
                        Duration.ofSeconds(20));
            }
            runtime.stop();
        }
    }

    private static void bmc(String name, int tap, String mac, Path disk, Path serial, Path log) throws Exception {
        Procs.runOk(List.of("bash", LAB.lab("bmc.sh"), "start", name, "--prefix", LAB.prefix, "--tap",
                Integer.toString(tap), "--mac", mac, "--disk", disk.toString(), "--serial-log", serial.toString()),
                LAB.env(), log, Duration.ofSeconds(20));
    }

    private static long qemuPid(String name) throws Exception {
        return Long.parseLong(Procs.read(LAB.labWork().resolve("bmc-" + name + "/qemu.pid")).trim());
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
        return ipmi(240, args);
    }

    /** ipmitool against the BMC at SUBNET.host (bmc.sh: 240 + tap). */
    private static String ipmi(int host, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(LAB.inNamespace("srv", "ipmitool", "-I", "lanplus", "-C", "3", "-H",
                LAB.ip(host), "-p", "623", "-U", "admin", "-E"));
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
