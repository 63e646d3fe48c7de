package io.pxereimage.protocol;

import java.util.List;

/** What a machine's deploy agent found: reported at registration, shown in the API and dashboard. */
public record Inventory(Cpu cpu, long memoryBytes, String firmware, SystemInfo system, List<Disk> disks,
        List<Nic> nics) {

    public Inventory {
        disks = disks == null ? List.of() : List.copyOf(disks);
        nics = nics == null ? List.of() : List.copyOf(nics);
    }

    public record Cpu(String model, int count) {
    }

    /** DMI identity from {@code /sys/class/dmi/id}; fields are null where the firmware gives none. */
    public record SystemInfo(String uuid, String serial, String vendor, String product) {
    }

    public record Disk(String name, String path, long sizeBytes, String model, String serial, boolean removable,
            boolean rotational) {
    }

    /** {@code speedMbps} is -1 when the driver does not say (virtio). */
    public record Nic(String name, String mac, boolean up, int speedMbps) {
    }
}
