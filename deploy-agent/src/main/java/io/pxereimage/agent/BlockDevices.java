package io.pxereimage.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

import io.pxereimage.protocol.Inventory;
import io.pxereimage.protocol.Job;

/** Target resolution and the "is it in use?" checks, over injectable procfs/sysfs/mounts paths. */
final class BlockDevices {
    private final AgentConfig config;

    BlockDevices(AgentConfig config) {
        this.config = config;
    }

    /** An explicit device, or the {@code smallest-fit} disk: smallest non-removable disk >= {@code imageSize}. */
    Path resolve(Job.Target target, Inventory inventory, long imageSize) throws IOException {
        if (target == null) {
            throw new IOException("job has no target");
        }
        if (target.device() != null && !target.device().isBlank()) {
            return Path.of(target.device());
        }
        if (!"smallest-fit".equals(target.rule())) {
            throw new IOException("unknown target rule " + target.rule());
        }
        return inventory.disks().stream().filter(d -> !d.removable() && d.sizeBytes() >= imageSize)
                .min(Comparator.comparingLong(Inventory.Disk::sizeBytes).thenComparing(Inventory.Disk::name))
                .map(d -> Path.of(d.path()))
                .orElseThrow(() -> new IOException("no non-removable disk of at least " + imageSize + " bytes"));
    }

    /**
     * Why {@code device} must not be written: a mount or swap whose source is the device or one of its
     * partitions, or a device-mapper/md holder; null when it is free.
     */
    String inUse(Path device) {
        if (!Files.isReadable(config.mountsFile)) {
            return "cannot read " + config.mountsFile + " to check for mounts";
        }
        Pattern mine = partitionPattern(device);
        Path real = real(device);
        Pattern mineReal = partitionPattern(real);
        for (String line : lines(config.mountsFile)) {
            String[] f = line.split("\\s+");
            if (f.length >= 2 && matches(f[0], mine, mineReal)) {
                return unescape(f[0]) + " is mounted on " + unescape(f[1]);
            }
        }
        for (String line : lines(config.procRoot.resolve("swaps"))) {
            String[] f = line.split("\\s+");
            if (f.length >= 1 && matches(f[0], mine, mineReal)) {
                return f[0] + " is in use as swap";
            }
        }
        Path sysDev = config.sysRoot.resolve("class/block").resolve(real.getFileName().toString());
        List<Path> nodes = new ArrayList<>(List.of(sysDev));
        nodes.addAll(children(sysDev, real.getFileName().toString()));
        for (Path n : nodes) {
            List<Path> holders = list(n.resolve("holders"));
            if (!holders.isEmpty()) {
                return n.getFileName() + " is held by " + holders.get(0).getFileName();
            }
        }
        return null;
    }

    /** Partition device nodes the kernel knows for {@code device} (from sysfs), e.g. /dev/vda1, /dev/nvme0n1p2. */
    List<Path> partitions(Path device) {
        Path real = real(device);
        String name = real.getFileName().toString();
        List<Path> out = new ArrayList<>();
        for (Path p : children(config.sysRoot.resolve("class/block").resolve(name), name)) {
            out.add(real.resolveSibling(p.getFileName().toString()));
        }
        return out;
    }

    /** Size in bytes: a regular file's length (tests), else sysfs, else what the JDK finds. */
    long size(Path device) throws IOException {
        Path real = real(device);
        if (Files.isRegularFile(real)) {
            return Files.size(real);
        }
        long sectors = InventoryCollector.number(
                config.sysRoot.resolve("class/block").resolve(real.getFileName().toString()).resolve("size"));
        if (sectors > 0) {
            return sectors * 512;
        }
        try (RandomAccessFile f = new RandomAccessFile(real.toFile(), "r")) {
            return f.length();
        }
    }

    private static List<Path> children(Path sysDev, String name) {
        List<Path> out = new ArrayList<>();
        for (Path p : list(sysDev)) {
            if (p.getFileName().toString().startsWith(name) && Files.exists(p.resolve("partition"))) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean matches(String source, Pattern a, Pattern b) {
        String s = unescape(source);
        if (a.matcher(s).matches() || b.matcher(s).matches()) {
            return true;
        }
        if (s.startsWith("/")) {
            String r = real(Path.of(s)).toString();
            return a.matcher(r).matches() || b.matcher(r).matches();
        }
        return false;
    }

    /** The device itself, or the device followed by a partition number ({@code vda1}, {@code nvme0n1p1}). */
    private static Pattern partitionPattern(Path device) {
        return Pattern.compile(Pattern.quote(device.toString()) + "(p?[0-9]+)?");
    }

    static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** /proc/self/mounts escapes blanks as octal ({@code \040}). */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
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
}
