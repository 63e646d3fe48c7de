package io.pxereimage.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Makes a disk unbootable: partition tables at both ends (MBR, GPT and its backup) and signatures gone. */
final class Wiper {
    static final int MIB = 1 << 20;

    private final AgentConfig config;
    private final BlockDevices devices;

    Wiper(AgentConfig config, BlockDevices devices) {
        this.config = config;
        this.devices = devices;
    }

    /**
     * The {@code wipe} job: signatures of each partition and of the disk ({@code wipefs -a}, if present), a discard
     * of the whole device ({@code blkdiscard}, if supported) and in any case zeroes over the first and last MiB,
     * because a discard need not make reads return zeroes.
     */
    void wipe(Path device, Consumer<String> log) throws IOException, InterruptedException {
        String busy = devices.inUse(device);
        if (busy != null) {
            throw new IOException("refusing to wipe " + device + ": " + busy);
        }
        if (Commands.find(config.tools.wipefs()) != null) {
            List<Path> targets = new ArrayList<>(devices.partitions(device));
            targets.add(device);
            for (Path t : targets) {
                Commands.Result r = Commands.capture(List.of(config.tools.wipefs(), "-a", t.toString()), null,
                        Duration.ofMinutes(1), null);
                log.accept("wipefs -a " + t + ": " + (r.ok() ? "ok" : "exit " + r.exitCode() + " " + r.stderr().strip()));
            }
        } else {
            log.accept("wipefs not present; skipping signature wipe");
        }
        if (Commands.find(config.tools.blkdiscard()) != null) {
            Commands.Result r = Commands.capture(List.of(config.tools.blkdiscard(), "-f", device.toString()), null,
                    Duration.ofMinutes(10), null);
            log.accept("blkdiscard " + device + ": " + (r.ok() ? "ok" : "not done (" + r.stderr().strip() + ")"));
        }
        zeroEnds(device, devices.size(device));
        log.accept("zeroed first and last MiB of " + device);
    }

    /** Zero the first and last MiB and fsync: no partition table (primary or backup) survives. */
    static void zeroEnds(Path device, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(MIB);
            long head = Math.min(MIB, size);
            writeFully(ch, zeros.limit((int) head), 0);
            if (size > MIB) {
                long start = Math.max(head, size - MIB);
                writeFully(ch, zeros.clear().limit((int) (size - start)), start);
            }
            ch.force(true);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }
}
