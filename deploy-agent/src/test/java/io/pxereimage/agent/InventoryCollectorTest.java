package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.Inventory;

class InventoryCollectorTest {
    @TempDir
    Path tmp;

    @Test
    void readsAFakeProcAndSysTree() throws Exception {
        Path proc = tmp.resolve("proc");
        Path sys = tmp.resolve("sys");
        FakeSysfs.write(proc.resolve("cpuinfo"), "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU "
                + "version 2.5+\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU version 2.5+\n\n");
        FakeSysfs.write(proc.resolve("meminfo"), "MemTotal:         196608 kB\nMemFree:          100000 kB\n");
        Path dmi = sys.resolve("class/dmi/id");
        FakeSysfs.write(dmi.resolve("product_uuid"), "5e2b9c4a-0000-4000-8000-000000000001\n");
        FakeSysfs.write(dmi.resolve("sys_vendor"), "QEMU\n");
        FakeSysfs.write(dmi.resolve("product_name"), "Standard PC (i440FX + PIIX, 1996)\n");
        FakeSysfs.write(dmi.resolve("product_serial"), "\n");
        Path vda = FakeSysfs.disk(sys, "vda", 2097152, false, true);
        FakeSysfs.write(vda.resolve("serial"), "pxg-disk-1\n");
        Path sda = FakeSysfs.disk(sys, "sda", 62521344, true, false);
        FakeSysfs.write(sda.resolve("device/model"), "Ultra Fit       \n");
        FakeSysfs.write(sda.resolve("device/serial"), "4C530001\n");
        FakeSysfs.disk(sys, "loop0", 100, false, false);
        FakeSysfs.disk(sys, "zram0", 100, false, false);
        FakeSysfs.disk(sys, "sr0", 100, true, true);
        FakeSysfs.nic(sys, "eth0", "52:54:00:12:34:56", "up", "-1");
        FakeSysfs.nic(sys, "enp1s0", "AA:BB:CC:DD:EE:FF", "down", "1000");
        FakeSysfs.nic(sys, "lo", "00:00:00:00:00:00", "unknown", null);

        Inventory inv = new InventoryCollector(proc, sys, Path.of("/dev"), false).collect();
        assertThat(inv.cpu()).isEqualTo(new Inventory.Cpu("QEMU Virtual CPU version 2.5+", 2));
        assertThat(inv.memoryBytes()).isEqualTo(196608L * 1024);
        assertThat(inv.firmware()).isEqualTo("bios");
        assertThat(inv.system()).isEqualTo(new Inventory.SystemInfo("5e2b9c4a-0000-4000-8000-000000000001", null,
                "QEMU", "Standard PC (i440FX + PIIX, 1996)"));
        assertThat(inv.disks()).containsExactly(
                new Inventory.Disk("sda", "/dev/sda", 62521344L * 512, "Ultra Fit", "4C530001", true, false),
                new Inventory.Disk("vda", "/dev/vda", 1073741824L, null, "pxg-disk-1", false, true));
        assertThat(inv.nics()).containsExactly(new Inventory.Nic("enp1s0", "aa:bb:cc:dd:ee:ff", false, 1000),
                new Inventory.Nic("eth0", "52:54:00:12:34:56", true, -1));
        assertThat(InventoryCollector.guessMac(inv)).isEqualTo("52:54:00:12:34:56");

        Files.createDirectories(sys.resolve("firmware/efi"));
        Inventory uefi = new InventoryCollector(proc, sys, Path.of("/dev"), true).collect();
        assertThat(uefi.firmware()).isEqualTo("uefi");
        assertThat(uefi.disks()).extracting(Inventory.Disk::name).contains("loop0", "sr0", "zram0");
    }

    @Test
    void missingTreeGivesEmptyInventoryNotAnException() {
        Inventory inv = new InventoryCollector(tmp.resolve("nope"), tmp.resolve("nope"), Path.of("/dev"), false)
                .collect();
        assertThat(inv.cpu().count()).isZero();
        assertThat(inv.memoryBytes()).isEqualTo(-1);
        assertThat(inv.disks()).isEmpty();
        assertThat(inv.nics()).isEmpty();
    }

    @Test
    void realHostInventoryLooksSane() {
        Inventory inv = new InventoryCollector(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"), false).collect();
        assertThat(inv.cpu().count()).isPositive();
        assertThat(inv.memoryBytes()).isPositive();
    }
}
