package io.pxereimage.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Images, "disks" (sparse regular files) and agent configs for the tests. */
final class TestImages {
    static final int MIB = 1 << 20;

    private TestImages() {
    }

    /** Random bytes with zeroed stretches [zeroFrom, zeroTo) pairs, so compression and block maps have work. */
    static Path image(Path file, long size, long seed, long... zeroRanges) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < size; pos += buf.length) {
                r.nextBytes(buf);
                int n = (int) Math.min(buf.length, size - pos);
                for (int i = 0; i + 1 < zeroRanges.length; i += 2) {
                    long from = Math.max(pos, zeroRanges[i]);
                    long to = Math.min(pos + n, zeroRanges[i + 1]);
                    for (long p = from; p < to; p++) {
                        buf[(int) (p - pos)] = 0;
                    }
                }
                ch.write(ByteBuffer.wrap(buf, 0, n), pos);
            }
        }
        return file;
    }

    /** A sparse "disk" of {@code size} bytes whose first and last MiB hold {@code fill}. */
    static Path disk(Path file, long size, byte fill) throws IOException {
        Files.createDirectories(file.getParent());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            byte[] b = new byte[MIB];
            java.util.Arrays.fill(b, fill);
            f.seek(0);
            f.write(b);
            f.seek(size - MIB);
            f.write(b);
        }
        return file;
    }

    static String sha256(Path file, long offset, long length) throws IOException {
        MessageDigest md = DeployImage.sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(MIB);
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                buf.clear().limit((int) Math.min(MIB, end - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("short file");
                }
                md.update(buf.flip());
                pos += n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        return sha256(file, 0, Files.size(file));
    }

    static boolean allBytes(Path file, long offset, int length, byte value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // fill
            }
            for (int i = 0; i < length; i++) {
                if (b.get(i) != value) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Runs a program (gzip, zstd, sfdisk...) and fails the test on a non-zero exit. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Commands.Result r = Commands.capture(List.of(cmd), null, Duration.ofMinutes(2), null);
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", cmd) + " -> exit " + r.exitCode() + ": " + r.stderr());
        }
        return r.stdout();
    }

    /** A config whose roots all live under {@code tmp} (empty mounts, no sysfs disks) with fast retries. */
    static AgentConfig config(Path tmp, FakeRuntime rt) throws IOException {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Path sys = Files.createDirectories(tmp.resolve("sys"));
        Path dev = Files.createDirectories(tmp.resolve("dev"));
        Path mounts = tmp.resolve("mounts");
        if (!Files.exists(mounts)) {
            Files.writeString(mounts, "proc /proc proc rw 0 0\n");
        }
        return new AgentConfig().runtime(URI.create(rt.url() + "/")).token(rt.bootToken).mac(rt.mac)
                .procRoot(proc).sysRoot(sys).devDir(dev).mountsFile(mounts).workDir(tmp)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400)).rejectedRetry(Duration.ofMillis(200))
                .pollSeconds(1).stallTimeout(Duration.ofSeconds(2));
    }

    static Thread start(AgentConfig config) {
        Log.stdout(System.err);
        Thread t = new Thread(() -> {
            try {
                new Agent(config).run();
            } catch (InterruptedException e) {
                // stopped by the test
            }
        }, "agent-under-test");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void stop(Thread agent) throws InterruptedException {
        if (agent != null) {
            agent.interrupt();
            agent.join(5000);
        }
    }
}
