package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;

/** Shared helpers for the TFTP tests: files with known content, hashing, running client programs. */
final class TftpTestSupport {
    private TftpTestSupport() {
    }

    static TftpConfig.Builder loopback(Path root) {
        return TftpConfig.builder(root).bindAddress(InetAddress.getLoopbackAddress()).port(0);
    }

    static Path randomFile(Path dir, String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        Random r = new Random(seed);
        byte[] chunk = new byte[1 << 16];
        try (var out = Files.newOutputStream(p)) {
            long left = size;
            while (left > 0) {
                r.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
        }
        return p;
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    record Result(int exit, String output, long millis) {
    }

    /** Runs a program with a hard time limit; stdout and stderr are merged into {@code output}. */
    static Result run(Duration limit, Path workDir, List<String> command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path log = Files.createTempFile(workDir, "cmd", ".log");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("timed out after " + limit + ": " + command + "\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        Files.delete(log);
        return new Result(p.exitValue(), out, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    static double counter(MeterRegistry registry, String name, String tag, String value) {
        var c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
