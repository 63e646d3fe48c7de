package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.Inventory;
import io.pxereimage.protocol.Job;

class BlockDevicesTest {
    @TempDir
    Path tmp;

    private BlockDevices devices(String mounts, String swaps) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.writeString(proc.resolve("swaps"), "Filename\tType\tSize\tUsed\tPriority\n" + swaps);
        Files.writeString(tmp.resolve("mounts"), mounts);
        return new BlockDevices(new AgentConfig().procRoot(proc).sysRoot(tmp.resolve("sys")).mountsFile(
                tmp.resolve("mounts")));
    }

    @Test
    void partitionsMountsSwapAndHoldersMakeADiskBusy() throws Exception {
        BlockDevices d = devices("/dev/nvme0n1p2 / ext4 rw 0 0\n/dev/sdb1 /boot ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n",
                "/dev/vdc3 partition 1000 0 -2\n");
        assertThat(d.inUse(Path.of("/dev/nvme0n1"))).isEqualTo("/dev/nvme0n1p2 is mounted on /");
        assertThat(d.inUse(Path.of("/dev/sdb"))).contains("/dev/sdb1 is mounted on /boot");
        assertThat(d.inUse(Path.of("/dev/vdc"))).contains("swap");
        assertThat(d.inUse(Path.of("/dev/sda"))).isNull();
        assertThat(d.inUse(Path.of("/dev/nvme0n2"))).isNull();

        Path vdd = FakeSysfs.disk(tmp.resolve("sys"), "vdd", 100, false, false);
        Files.createDirectories(tmp.resolve("sys/class/block"));
        Files.createSymbolicLink(tmp.resolve("sys/class/block/vdd"), vdd);
        Files.createDirectories(vdd.resolve("vdd1/holders/dm-0"));
        Files.writeString(vdd.resolve("vdd1/partition"), "1\n");
        assertThat(d.inUse(Path.of("/dev/vdd"))).isEqualTo("vdd1 is held by dm-0");
        assertThat(d.partitions(Path.of("/dev/vdd"))).containsExactly(Path.of("/dev/vdd1"));
    }

    @Test
    void unreadableMountsTableCountsAsBusy() throws Exception {
        BlockDevices d = new BlockDevices(new AgentConfig().mountsFile(tmp.resolve("missing")));
        assertThat(d.inUse(Path.of("/dev/vda"))).contains("cannot read");
    }

    @Test
    void smallestFitSkipsRemovableAndTooSmallDisks() throws Exception {
        BlockDevices d = devices("", "");
        Inventory inv = new Inventory(null, 0, "bios", null, List.of(
                new Inventory.Disk("sda", "/dev/sda", 64L << 30, null, null, true, false),
                new Inventory.Disk("vdb", "/dev/vdb", 20L << 30, null, null, false, true),
                new Inventory.Disk("vda", "/dev/vda", 8L << 30, null, null, false, true),
                new Inventory.Disk("vdc", "/dev/vdc", 1L << 30, null, null, false, true)), List.of());
        Job.Target fit = new Job.Target(null, "smallest-fit");
        assertThat(d.resolve(fit, inv, 2L << 30)).isEqualTo(Path.of("/dev/vda"));
        assertThat(d.resolve(fit, inv, 10L << 30)).isEqualTo(Path.of("/dev/vdb"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.resolve(fit, inv, 30L << 30))
                .hasMessageContaining("no non-removable disk");
        assertThat(d.resolve(Job.Target.device("/dev/sdz"), inv, 0)).isEqualTo(Path.of("/dev/sdz"));
    }
}
