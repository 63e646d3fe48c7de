package io.pxereimage.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.pxereimage.protocol.Inventory;

/**
 * Reads the machine's inventory from procfs and sysfs. Both roots are parameters so tests use a fake tree; every
 * file is optional (a missing or unreadable file gives null / -1, never an exception).
 */
final class InventoryCollector {
    private static final List<String> VIRTUAL_DISKS = List.of("loop", "ram", "sr", "zram", "fd", "dm-", "md", "nbd");

    private final Path proc;
    private final Path sys;
    private final Path dev;
    private final boolean includeVirtual;

    InventoryCollector(Path procRoot, Path sysRoot, Path devDir, boolean includeVirtual) {
        this.proc = procRoot;
        this.sys = sysRoot;
        this.dev = devDir;
        this.includeVirtual = includeVirtual;
    }

    InventoryCollector(AgentConfig c) {
        this(c.procRoot, c.sysRoot, c.devDir, c.includeVirtualDisks);
    }

    Inventory collect() {
        return new Inventory(cpu(), memoryBytes(), Files.isDirectory(sys.resolve("firmware/efi")) ? "uefi" : "bios",
                system(), disks(), nics());
    }

    Inventory.Cpu cpu() {
        String model = null;
        int count = 0;
        for (String line : lines(proc.resolve("cpuinfo"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (key.equals("processor")) {
                count++;
            } else if (model == null && (key.equals("model name") || key.equals("cpu model") || key.equals("cpu"))) {
                model = value;
            }
        }
        return new Inventory.Cpu(model, count);
    }

    long memoryBytes() {
        for (String line : lines(proc.resolve("meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.substring(9).trim().split("\\s+");
                try {
                    return Long.parseLong(f[0]) * 1024;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    Inventory.SystemInfo system() {
        Path dmi = sys.resolve("class/dmi/id");
        return new Inventory.SystemInfo(text(dmi.resolve("product_uuid")), text(dmi.resolve("product_serial")),
                text(dmi.resolve("sys_vendor")), text(dmi.resolve("product_name")));
    }

    List<Inventory.Disk> disks() {
        List<Inventory.Disk> out = new ArrayList<>();
        for (Path d : list(sys.resolve("block"))) {
            String name = d.getFileName().toString();
            if (!includeVirtual && VIRTUAL_DISKS.stream().anyMatch(name::startsWith)) {
                continue;
            }
            long sectors = number(d.resolve("size"));
            String serial = text(d.resolve("device/serial"));
            if (serial == null) {
                serial = text(d.resolve("serial"));
            }
            String model = text(d.resolve("device/model"));
            out.add(new Inventory.Disk(name, dev.resolve(name).toString(), sectors < 0 ? -1 : sectors * 512, model,
                    serial, number(d.resolve("removable")) == 1, number(d.resolve("queue/rotational")) == 1));
        }
        return out;
    }

    List<Inventory.Nic> nics() {
        List<Inventory.Nic> out = new ArrayList<>();
        for (Path n : list(sys.resolve("class/net"))) {
            String name = n.getFileName().toString();
            String mac = text(n.resolve("address"));
            // loopback (type 772) and address-less tunnels are no boot NICs
            if (name.equals("lo") || number(n.resolve("type")) == 772 || mac == null
                    || mac.equals("00:00:00:00:00:00")) {
                continue;
            }
            boolean up = "up".equals(text(n.resolve("operstate"))) || number(n.resolve("carrier")) == 1;
            long speed = number(n.resolve("speed"));
            out.add(new Inventory.Nic(name, mac.toLowerCase(Locale.ROOT), up,
                    speed <= 0 || speed > Integer.MAX_VALUE ? -1 : (int) speed));
        }
        return out;
    }

    /** The boot NIC when the command line names none: the first NIC with link, else the first NIC. */
    static String guessMac(Inventory inventory) {
        return inventory.nics().stream().filter(Inventory.Nic::up).findFirst()
                .or(() -> inventory.nics().stream().findFirst()).map(Inventory.Nic::mac).orElse(null);
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (IOException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Trimmed content, or null when absent, unreadable (product_uuid needs root) or blank. */
    static String text(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : s;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static long number(Path file) {
        String s = text(file);
        if (s == null) {
            return -1;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
