package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.testing.LogCapture;
import io.pxereimage.runtime.testing.Prerequisites;

/** {@code /files/} and {@code /loaders/} fetched with curl, the way an operator (and, for ranges, an agent) would. */
class StaticFilesCurlTest {
    @TempDir
    Path tmp;
    Path root;
    Path loaders;
    byte[] data;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    HttpServer server;
    String base;

    @BeforeEach
    void setUp() throws Exception {
        Prerequisites.requireCommands("curl");
        root = Files.createDirectories(tmp.resolve("files"));
        loaders = Files.createDirectories(tmp.resolve("loaders"));
        data = new byte[1000];
        new Random(42).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/hello.txt"), "hello\n");
        Files.writeString(loaders.resolve("undionly.kpxe"), "ipxe-binary");
        Files.writeString(tmp.resolve("secret"), "root:x:0:0:secret\n");
        server = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0)
                .withFilesRoot(root).withLoaderDir(loaders), new MachineRegistry(), meters);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    /** curl's result: status, response headers (lower-cased names), body bytes. */
    record Curl(int status, String headers, byte[] body, String stderr) {
        String header(String name) {
            for (String line : headers.split("\r\n")) {
                int c = line.indexOf(':');
                if (c > 0 && line.substring(0, c).equalsIgnoreCase(name)) {
                    return line.substring(c + 1).strip();
                }
            }
            return null;
        }
    }

    Curl curl(String... args) throws Exception {
        return curlTo(null, args);
    }

    /** @param out where the body goes; {@code null} to read it into the result (small files only) */
    Curl curlTo(Path out, String... args) throws Exception {
        Path body = out != null ? out : Files.createTempFile(tmp, "body", "");
        Path headers = Files.createTempFile(tmp, "headers", "");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-o", body.toString(),
                "-D", headers.toString(), "-w", "%{http_code}"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl %s: %s", cmd, err).isZero();
        String h = Files.readString(headers, StandardCharsets.ISO_8859_1);
        // With several responses (redirects, reused connections) keep the last head.
        int last = h.lastIndexOf("HTTP/");
        return new Curl(Integer.parseInt(status), h.substring(Math.max(0, last)),
                out != null ? new byte[0] : Files.readAllBytes(body), err);
    }

    @Test
    void wholeFileWithHeaders() throws Exception {
        Curl c = curl(base + "/files/data.bin");
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.body()).isEqualTo(data);
        assertThat(c.header("Content-Length")).isEqualTo("1000");
        assertThat(c.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(c.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(c.header("ETag")).startsWith("\"");
        assertThat(c.header("Last-Modified")).endsWith("GMT");
        // Counted when the transfer completes, which may be just after curl has its last byte.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (bytesSent() < data.length && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bytesSent()).isEqualTo(data.length);
    }

    private double bytesSent() {
        return meters.get("pxe.http.bytes").counter().count();
    }

    @Test
    void clientGoingAwayMidTransferIsLoggedAndHarmless() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("big.img").toFile(), "rw")) {
            f.setLength(64L * 1024 * 1024);
        }
        try (LogCapture log = new LogCapture()) {
            Process p = new ProcessBuilder("curl", "-sS", "--limit-rate", "1M", "--max-time", "1", "-o", "/dev/null",
                    base + "/files/big.img").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("curl timed out on purpose").isEqualTo(28);
            assertThat(log.awaitContaining("HTTP file /files/big.img aborted after"))
                    .containsPattern("HTTP file /files/big.img aborted after [0-9.]+ [KM]iB of 64.0 MiB");
        }
        assertThat(curl(base + "/files/sub/hello.txt").status()).isEqualTo(200);
        assertThat(bytesSent()).isLessThan(64.0 * 1024 * 1024);
    }

    @Test
    void ranges() throws Exception {
        Curl first = curl("-r", "0-99", base + "/files/data.bin");
        assertThat(first.status()).isEqualTo(206);
        assertThat(first.header("Content-Range")).isEqualTo("bytes 0-99/1000");
        assertThat(first.body()).isEqualTo(Arrays.copyOfRange(data, 0, 100));

        Curl middle = curl("-r", "100-199", base + "/files/data.bin");
        assertThat(middle.status()).isEqualTo(206);
        assertThat(middle.header("Content-Length")).isEqualTo("100");
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(data, 100, 200));

        Curl suffix = curl("-H", "Range: bytes=-100", base + "/files/data.bin");
        assertThat(suffix.status()).isEqualTo(206);
        assertThat(suffix.header("Content-Range")).isEqualTo("bytes 900-999/1000");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(data, 900, 1000));

        Curl open = curl("-r", "990-", base + "/files/data.bin");
        assertThat(open.status()).isEqualTo(206);
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(data, 990, 1000));

        Curl beyond = curl("-r", "1000-", base + "/files/data.bin");
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.header("Content-Range")).isEqualTo("bytes */1000");

        Curl stale = curl("-r", "0-9", "-H", "If-Range: \"not-this-version\"", base + "/files/data.bin");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(data);
    }

    @Test
    void headGivesTheHeadersOfAGet() throws Exception {
        Curl head = curl("-I", base + "/files/data.bin");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo("1000");
        assertThat(head.header("Accept-Ranges")).isEqualTo("bytes");
        // curl -I writes the head where the body would go: nothing else may follow it.
        assertThat(new String(head.body(), StandardCharsets.ISO_8859_1)).isEqualTo(head.headers());
        // A HEAD then a GET on one connection: a stray body after the HEAD would corrupt the GET.
        Path second = tmp.resolve("after-head");
        Curl both = curl("-v", "-I", base + "/files/data.bin", "--next", "-o", second.toString(),
                base + "/files/data.bin");
        assertThat(both.stderr()).contains("Re-using existing connection");
        assertThat(Files.readAllBytes(second)).isEqualTo(data);
        Curl headRange = curl("-I", "-r", "10-19", base + "/files/data.bin");
        assertThat(headRange.status()).isEqualTo(206);
        assertThat(headRange.header("Content-Range")).isEqualTo("bytes 10-19/1000");
    }

    @Test
    void keepAliveReusesTheConnectionAcrossFiles() throws Exception {
        Curl c = curl("-v", base + "/files/data.bin", "-o", tmp.resolve("second").toString(),
                base + "/files/sub/hello.txt");
        assertThat(c.stderr()).contains("Re-using existing connection");
        assertThat(Files.readString(tmp.resolve("second"))).isEqualTo("hello\n");
    }

    @Test
    void loadersAndPublishedFiles() throws Exception {
        assertThat(new String(curl(base + "/loaders/undionly.kpxe").body())).isEqualTo("ipxe-binary");
        Path outside = Files.createDirectories(tmp.resolve("elsewhere")).resolve("vmlinuz-6.1");
        Files.writeString(outside, "kernel-bytes");
        server.publish("vmlinuz", outside);
        server.publish("debian/initrd.gz", outside);
        assertThat(new String(curl(base + "/files/vmlinuz").body())).isEqualTo("kernel-bytes");
        assertThat(curl(base + "/files/debian/initrd.gz").header("Content-Type")).isEqualTo("application/gzip");
        assertThat(curl(base + "/files/elsewhere/vmlinuz-6.1").status()).isEqualTo(404);
        assertThat(server.unpublish("vmlinuz")).isTrue();
        assertThat(curl(base + "/files/vmlinuz").status()).isEqualTo(404);
    }

    @Test
    void escapesAreRefused() throws Exception {
        Files.createSymbolicLink(root.resolve("escape"), tmp.resolve("secret"));
        Files.createSymbolicLink(root.resolve("up"), tmp);
        String[] attempts = {
            "/files/../secret", "/files/../../../../etc/passwd", "/files/%2e%2e/secret", "/files/%2E%2E/%2e%2e/etc/passwd",
            "/files/..%2fsecret", "/files/sub/..%2f..%2fsecret", "/files/%2fetc/passwd", "/files//etc/passwd",
            "/files/sub%5c..%5c..%5csecret", "/files/..\\secret", "/files/escape", "/files/up/secret",
            "/loaders/../files/data.bin", "/loaders/%2e%2e/secret", "/files/data.bin%00.txt",
        };
        for (String a : attempts) {
            Curl c = curl("--path-as-is", base + a);
            assertThat(c.status()).as(a).isIn(403, 404);
            assertThat(new String(c.body(), StandardCharsets.ISO_8859_1)).as(a).doesNotContain("root:x");
        }
        // Directories are never listed.
        for (String d : new String[] {"/files/", "/files/sub", "/files/sub/", "/loaders/"}) {
            Curl c = curl(base + d);
            assertThat(c.status()).as(d).isIn(403, 404);
            assertThat(new String(c.body())).as(d).doesNotContain("hello.txt", "data.bin");
        }
        assertThat(curl(base + "/files/sub/hello.txt").status()).isEqualTo(200);
    }

    @Test
    void largeSparseFileIsStreamedWithoutHeap() throws Exception {
        long size = 256L * 1024 * 1024;
        Path big = root.resolve("disk.img");
        long[] marks = {0, size / 2 - 3, size - 4096};
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size);
            for (long m : marks) {
                f.seek(m);
                f.write(("mark@" + m).getBytes(StandardCharsets.US_ASCII));
            }
        }
        Path out = tmp.resolve("download.img");
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        long before = heapUsed(heap);
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        try (LogCapture log = new LogCapture()) {
            Curl c = curlTo(out, base + "/files/disk.img");
            assertThat(c.status()).isEqualTo(200);
            assertThat(log.awaitContaining("HTTP file /files/disk.img 256.0 MiB in"))
                    .containsPattern("HTTP file /files/disk.img 256.0 MiB in [0-9.]+ s \\([0-9.]+ [KMG]iB/s\\)");
        }
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        // The file never passes through the heap: a copying server would need far more than this on top.
        assertThat(peak - before).as("heap growth during a 256 MiB transfer").isLessThan(96L * 1024 * 1024);
        assertThat(Files.size(out)).isEqualTo(size);
        for (long m : marks) {
            assertThat(sha256(out, m, 1 << 20)).as("part at %d", m).isEqualTo(sha256(big, m, 1 << 20));
        }
        // A range in the middle of the big file, as an image-writing agent resuming would ask.
        Curl resume = curl("-r", (size / 2 - 3) + "-" + (size / 2 + 20), base + "/files/disk.img");
        assertThat(new String(resume.body(), StandardCharsets.US_ASCII)).startsWith("mark@" + (size / 2 - 3));
    }

    private static long heapUsed(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private static String sha256(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.min(offset, f.length());
            byte[] buf = new byte[(int) Math.min(length, f.length() - start)];
            f.seek(start);
            f.readFully(buf);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void realIpxeLoaderFromTheDefaultDirectory() throws Exception {
        Path loader = HttpConfig.DEFAULT_LOADER_DIR.resolve("undionly.kpxe");
        Prerequisites.requireFiles(loader.toString());
        try (HttpServer defaults = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0),
                new MachineRegistry(), new SimpleMeterRegistry())) {
            int port = defaults.start();
            Path out = tmp.resolve("undionly.kpxe");
            Curl c = curlTo(out, "http://127.0.0.1:" + port + "/loaders/undionly.kpxe");
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.header("Content-Length")).isEqualTo(Long.toString(Files.size(loader)));
            assertThat(Files.mismatch(out, loader)).isEqualTo(-1L);
        }
    }
}
