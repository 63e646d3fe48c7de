package io.pxereimage.runtime.tftp;

import static io.pxereimage.runtime.tftp.TftpTestSupport.counter;
import static io.pxereimage.runtime.tftp.TftpTestSupport.randomFile;
import static io.pxereimage.runtime.tftp.TftpTestSupport.run;
import static io.pxereimage.runtime.tftp.TftpTestSupport.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.testing.Prerequisites;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real TFTP clients (curl, busybox, tftp-hpa) against the server on loopback; output compared by SHA-256. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TftpClientsTest {
    /** One byte more than 65535 blocks of 512: forces the block number past 65535 and back through 0. */
    private static final long WRAP_SIZE = 65536L * 512 + 1000;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private Path tmp;
    private Path root;
    private Path out;
    private SimpleMeterRegistry registry;
    private TftpServer server;
    private int port;
    private final io.pxereimage.runtime.activity.Activity activity =
            new io.pxereimage.runtime.activity.Activity(java.time.Clock.systemUTC());

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        root = Files.createDirectories(tmp.resolve("root"));
        out = Files.createDirectories(tmp.resolve("out"));
        for (long size : new long[] {0, 1, 511, 512, 513, 512 * 3, 1468, 1468 * 4, 4095, 100_003, 777_777}) {
            randomFile(root, "f" + size + ".bin", size, size);
        }
        Files.createDirectories(root.resolve("boot/efi"));
        randomFile(root, "boot/efi/grubx64.efi", 200_000, 42);
        Files.writeString(tmp.resolve("secret.txt"), "outside the root");
        Files.createSymbolicLink(root.resolve("escape.txt"), tmp.resolve("secret.txt"));
        registry = new SimpleMeterRegistry();
        server = new TftpServer(TftpTestSupport.loopback(root).build(), registry).withActivity(activity);
        port = server.start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String url(String name) {
        return "tftp://127.0.0.1:" + port + "/" + name;
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 511, 512, 513, 512 * 3, 1468, 1468 * 4, 4095, 100_003, 777_777})
    void curlWithBlksize1468(long size) throws Exception {
        Prerequisites.requireCommands("curl");
        Path dst = out.resolve("curl1468-" + size);
        var r = run(LIMIT, out, List.of("curl", "-sS", "--tftp-blksize", "1468", url("f" + size + ".bin"), "-o",
                dst.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(root.resolve("f" + size + ".bin")));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 512, 513, 100_003})
    void curlDefaultBlocks(long size) throws Exception {
        Prerequisites.requireCommands("curl");
        Path dst = out.resolve("curl512-" + size);
        var r = run(LIMIT, out, List.of("curl", "-sS", url("f" + size + ".bin"), "-o", dst.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(root.resolve("f" + size + ".bin")));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 512, 1468 * 4, 777_777})
    void busyboxWithBlksize1468(long size) throws Exception {
        Prerequisites.requireCommands("busybox");
        Path dst = out.resolve("bb-" + size);
        var r = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-b", "1468", "-r", "f" + size + ".bin", "-l",
                dst.toString(), "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(root.resolve("f" + size + ".bin")));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 512, 513, 100_003})
    void tftpHpa(long size) throws Exception {
        Prerequisites.requireCommands("tftp");
        Path dst = out.resolve("hpa-" + size);
        var r = run(LIMIT, out, List.of("tftp", "-m", "binary", "127.0.0.1", Integer.toString(port), "-c", "get",
                "f" + size + ".bin", dst.toString()));
        // tftp-hpa exits 0 even on some errors: the hash comparison is the real check.
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(root.resolve("f" + size + ".bin")));
    }

    /** Sizes drawn per run (seed in the failure message), so boundaries nobody thought of get exercised too. */
    @Test
    void randomSizesWithCurlAndBusybox() throws Exception {
        Prerequisites.requireCommands("curl", "busybox");
        long seed = System.nanoTime();
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < 4; i++) {
            long size = r.nextInt(3) == 0 ? 1468L * r.nextInt(200) : r.nextInt(2_000_000);
            String name = "rnd" + i + ".bin";
            Path src = randomFile(root, name, size, seed + i);
            Path a = out.resolve("rnd-curl" + i);
            Path b = out.resolve("rnd-bb" + i);
            var r1 = run(LIMIT, out, List.of("curl", "-sS", "--tftp-blksize", "1468", url(name), "-o",
                    a.toString()));
            var r2 = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-b", "1468", "-r", name, "-l", b.toString(),
                    "127.0.0.1", Integer.toString(port)));
            String why = "seed " + seed + " size " + size;
            assertThat(r1.exit()).as(why + " " + r1.output()).isZero();
            assertThat(r2.exit()).as(why + " " + r2.output()).isZero();
            assertThat(sha256(a)).as(why).isEqualTo(sha256(src));
            assertThat(sha256(b)).as(why).isEqualTo(sha256(src));
        }
    }

    @Test
    void sixteenConcurrentCurlDownloads() throws Exception {
        Prerequisites.requireCommands("curl");
        double okBefore = counter(registry, TftpMetrics.TRANSFERS, "outcome", "ok");
        List<Process> procs = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            procs.add(new ProcessBuilder("curl", "-sS", "--tftp-blksize", i % 2 == 0 ? "1468" : "512",
                    url("f777777.bin"), "-o", out.resolve("par" + i).toString()).redirectErrorStream(true)
                    .redirectOutput(out.resolve("par" + i + ".log").toFile()).start());
        }
        String expected = sha256(root.resolve("f777777.bin"));
        for (int i = 0; i < procs.size(); i++) {
            Process p = procs.get(i);
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(out.resolve("par" + i + ".log"))).isZero();
            assertThat(sha256(out.resolve("par" + i))).isEqualTo(expected);
        }
        // A transfer whose final ACK got lost under load ends only after the server's retransmissions give up
        // (1 s doubling, 5 retries: ~40 s at most), and is then counted ok: wait that long, not less.
        Duration giveUp = Duration.ofSeconds(45);
        TftpWindowTest.waitFor(() -> counter(registry, TftpMetrics.TRANSFERS, "outcome", "ok") == okBefore + 16,
                giveUp);
        TftpWindowTest.waitFor(() -> server.activeTransfers() == 0, giveUp);
    }

    @Test
    void finishedTransfersAreRecordedAsActivity() throws Exception {
        Prerequisites.requireCommands("curl");
        var r = run(LIMIT, out, List.of("curl", "-sS", url("f100003.bin"), "-o", out.resolve("act").toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        for (int i = 0; i < 100 && activity.recent(500).stream().noneMatch(e -> e.summary().contains("f100003")); i++) {
            Thread.sleep(20);
        }
        assertThat(activity.recent(500)).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(io.pxereimage.runtime.activity.Activity.Kind.TFTP);
            assertThat(e.summary()).matches("RRQ f100003\\.bin 98 KiB in \\d+\\.\\d s");
            assertThat(e.mac()).isNull(); // no DHCP told which MAC holds 127.0.0.1
        });
    }

    @Test
    void windowsStyleAndAbsoluteNamesResolveBelowTheRoot() throws Exception {
        Prerequisites.requireCommands("busybox");
        Path dst = out.resolve("grub-bs");
        var r = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-r", "\\boot\\efi\\grubx64.efi", "-l",
                dst.toString(), "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(root.resolve("boot/efi/grubx64.efi")));
        Path dst2 = out.resolve("grub-abs");
        r = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-r", "/boot/efi/grubx64.efi", "-l",
                dst2.toString(), "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst2)).isEqualTo(sha256(root.resolve("boot/efi/grubx64.efi")));
    }

    @Test
    void missingFileFailsFastWithCurlExit68() throws Exception {
        Prerequisites.requireCommands("curl");
        double before = counter(registry, TftpMetrics.TRANSFERS, "outcome", "not_found");
        var r = run(LIMIT, out, List.of("curl", "-sS", url("no/such/file"), "-o", out.resolve("x").toString()));
        assertThat(r.exit()).as(r.output()).isEqualTo(68);
        assertThat(r.millis()).isLessThan(1500);
        assertThat(counter(registry, TftpMetrics.TRANSFERS, "outcome", "not_found")).isEqualTo(before + 1);
    }

    @Test
    void pathEscapesAreRefused() throws Exception {
        Prerequisites.requireCommands("curl", "busybox");
        double before = counter(registry, TftpMetrics.TRANSFERS, "outcome", "denied");
        for (String name : List.of("../secret.txt", "boot/../../secret.txt", "escape.txt")) {
            Path dst = out.resolve("esc");
            Files.deleteIfExists(dst);
            var r = run(LIMIT, out, List.of("curl", "-sS", "--path-as-is", url(name), "-o", dst.toString()));
            // curl exit 69 = CURLE_TFTP_PERM, its mapping of ERROR 2 (access violation).
            assertThat(r.exit()).as(name + ": " + r.output()).isEqualTo(69);
            assertThat(Files.exists(dst) ? Files.readString(dst) : "").doesNotContain("outside");
        }
        var r = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-r", "..\\secret.txt", "-l",
                out.resolve("esc2").toString(), "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(counter(registry, TftpMetrics.TRANSFERS, "outcome", "denied")).isEqualTo(before + 4);
    }

    @Test
    void writeRequestsAreRefused() throws Exception {
        Prerequisites.requireCommands("busybox");
        Path src = randomFile(out, "upload.bin", 1000, 7);
        var r = run(LIMIT, out, List.of("busybox", "tftp", "-p", "-l", src.toString(), "-r", "upload.bin",
                "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(root.resolve("upload.bin")).doesNotExist();
    }

    @Test
    void blockNumbersWrapPast65535WithCurlAndBusybox() throws Exception {
        Prerequisites.requireCommands("curl", "busybox");
        Path src = randomFile(root, "wrap.bin", WRAP_SIZE, 99);
        String expected = sha256(src);
        double bytesBefore = registry.counter(TftpMetrics.BYTES).count();
        Path dst = out.resolve("wrap-curl");
        var r = run(LIMIT, out, List.of("curl", "-sS", url("wrap.bin"), "-o", dst.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(expected);
        Files.delete(dst);
        Path dst2 = out.resolve("wrap-bb");
        r = run(LIMIT, out, List.of("busybox", "tftp", "-g", "-r", "wrap.bin", "-l", dst2.toString(),
                "127.0.0.1", Integer.toString(port)));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(sha256(dst2)).isEqualTo(expected);
        assertThat(registry.counter(TftpMetrics.BYTES).count() - bytesBefore).isEqualTo(2.0 * WRAP_SIZE);
        Files.delete(dst2);
        Files.delete(src);
    }
}
