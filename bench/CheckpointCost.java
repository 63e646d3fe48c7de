import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

import io.pxereimage.agent.multicast.BlockBitmap;

/**
 * What each step of the deploy agent's multicast checkpoint (MulticastDeploy.Checkpoints) costs on this machine, one
 * step at a time, wall and CPU time of the calling thread (issue 6, docs/performance.md run D):
 * read-back of the image from the target (pread into a heap buffer, as ImageCheck), SHA-256 of those bytes,
 * both together, SHA-256 straight from the received bytes (no read-back), fdatasync of the target and the bitmap
 * save (snapshot, write, fsync, rename).
 *
 * <pre>
 * java -XX:+UseSerialGC -cp deploy-agent/target/deploy-agent-*.jar bench/CheckpointCost.java \
 *      [SIZE_MIB=512] [TARGET=/dev/shm/pxy-ckpt.img] [STATE_DIR=bench/work/ckpt-state]
 * </pre>
 */
public final class CheckpointCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        long size = (args.length > 0 ? Long.parseLong(args[0]) : 512) << 20;
        Path target = Path.of(args.length > 1 ? args[1] : "/dev/shm/pxy-ckpt.img");
        Path stateDir = Path.of(args.length > 2 ? args[2] : "bench/work/ckpt-state");
        int blockSize = 1400; // the sender's default block: as many bits as a real session
        byte[] chunk = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(chunk);
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < size; pos += chunk.length) {
                ByteBuffer b = ByteBuffer.wrap(chunk);
                while (b.hasRemaining()) {
                    ch.write(b, pos + b.position());
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (int round = 1; round <= 3; round++) { // round 1 includes JIT warm-up
                System.out.printf("round %d (%d MiB)%n", round, size >> 20);
                time("read-back (pread into heap)", () -> readBack(ch, size, buf, null));
                time("sha256 of in-memory bytes", () -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    for (long pos = 0; pos < size; pos += chunk.length) {
                        md.update(chunk);
                    }
                    md.digest();
                });
                time("read-back + sha256 (ImageCheck)", () -> readBack(ch, size, buf,
                        MessageDigest.getInstance("SHA-256")));
                time("sha256 per 1400-byte block (hash as written)", () -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    ByteBuffer direct = ByteBuffer.allocateDirect(1400);
                    for (long pos = 0; pos < size; pos += 1400) {
                        direct.clear();
                        md.update(direct);
                    }
                    md.digest();
                });
            }
            ch.write(ByteBuffer.wrap(chunk), 0);
            time("fdatasync of the target after 1 MiB (x20)", () -> {
                for (int i = 0; i < 20; i++) {
                    ch.write(ByteBuffer.wrap(chunk), (long) i << 20);
                    ch.force(false);
                }
            });
        }
        Files.deleteIfExists(target);
        BlockBitmap bitmap = new BlockBitmap(size, blockSize);
        bitmap.set(0, bitmap.blockCount() / 2);
        byte[] sha = new byte[32];
        Path file = stateDir.resolve("bench.bitmap");
        time("bitmap snapshot + save with fsync (x20, " + bitmap.blockCount() + " bits)", () -> {
            for (int i = 0; i < 20; i++) {
                BitSet s = bitmap.snapshot();
                bitmap.save(file, sha, s);
            }
        });
        Files.deleteIfExists(file);
    }

    private static void readBack(FileChannel ch, long size, ByteBuffer buf, MessageDigest md) throws Exception {
        for (long pos = 0; pos < size;) {
            buf.clear();
            int n = ch.read(buf, pos);
            buf.flip();
            if (md != null) {
                md.update(buf);
            }
            pos += n;
        }
        if (md != null) {
            md.digest();
        }
    }

    interface Step {
        void run() throws Exception;
    }

    private static void time(String what, Step step) throws Exception {
        long cpu0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        step.run();
        System.out.printf("  %-55s wall %8.1f ms  cpu %8.1f ms%n", what, (System.nanoTime() - t0) / 1e6,
                (CPU.getCurrentThreadCpuTime() - cpu0) / 1e6);
    }
}
