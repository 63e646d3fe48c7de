package io.pxereimage.runtime.tftp;

import static io.pxereimage.runtime.tftp.TftpTestSupport.counter;
import static io.pxereimage.runtime.tftp.TftpTestSupport.randomFile;
import static io.pxereimage.runtime.tftp.TftpTestSupport.run;
import static io.pxereimage.runtime.tftp.TftpTestSupport.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.runtime.testing.Prerequisites;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage on the wire, metrics exposition and memory use per transfer. */
class TftpRobustnessTest {
    @TempDir
    Path root;
    @TempDir
    Path work;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private TftpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start() throws Exception {
        server = new TftpServer(TftpTestSupport.loopback(root).build(), registry);
        return server.start();
    }

    @Test
    void thousandsOfMalformedDatagramsAreDroppedAndCurlStillWorks() throws Exception {
        Prerequisites.requireCommands("curl");
        Path file = randomFile(root, "ok.bin", 300_000, 5);
        int port = start();
        Random r = new Random(13);
        try (RawTftpClient c = new RawTftpClient(port)) {
            byte[] valid = "\0\1ok.bin\0octet\0blksize\0001468\0".getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 3000; i++) {
                byte[] b;
                switch (i % 5) {
                    case 0 -> b = java.util.Arrays.copyOf(valid, r.nextInt(valid.length - 1)); // truncated
                    case 1 -> {
                        b = new byte[1 + r.nextInt(600)];
                        r.nextBytes(b);
                        b[0] = (byte) 0xFF; // garbage with an impossible opcode
                    }
                    case 2 -> b = new byte[8000 + r.nextInt(50_000)]; // oversized, all zero
                    case 3 -> b = new byte[] {0, 4, 0, 1}; // ACK on the request port
                    default -> b = new byte[] {0, 1, 'x', 0}; // RRQ without mode
                }
                c.sendRaw(b);
                if (i % 10 == 0) {
                    Thread.sleep(1); // let the socket queue drain: the point is volume, not kernel-side overflow
                }
            }
        }
        TftpWindowTest.waitFor(() -> dropped() >= 1500);
        Path dst = work.resolve("after-garbage");
        var res = run(Duration.ofSeconds(30), work, List.of("curl", "-sS", "--tftp-blksize", "1468",
                "tftp://127.0.0.1:" + port + "/ok.bin", "-o", dst.toString()));
        assertThat(res.exit()).as(res.output()).isZero();
        assertThat(sha256(dst)).isEqualTo(sha256(file));
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "malformed")).isGreaterThan(1000);
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "unexpected_opcode")).isGreaterThan(100);
        TftpWindowTest.waitFor(() -> counter(registry, TftpMetrics.TRANSFERS, "outcome", "ok") == 1);
    }

    private double dropped() {
        return registry.find(TftpMetrics.DROPPED).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void garbageOnATransferSocketDoesNotDisturbTheTransfer() throws Exception {
        Path file = randomFile(root, "f", 50_000, 9);
        int port = start();
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", Map.of());
            RawTftpClient.Reply first = c.receive();
            c.socket.send(new java.net.DatagramPacket(new byte[] {9}, 1, first.from()));
            c.socket.send(new java.net.DatagramPacket(new byte[] {0, 3, 0, 1, 5}, 5, first.from()));
            byte[] got = c.download(first, 512, 1, 0, 0, null, 5);
            assertThat(got).isEqualTo(java.nio.file.Files.readAllBytes(file));
        }
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "malformed")).isEqualTo(1);
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "unexpected_opcode")).isEqualTo(1);
    }

    @Test
    void prometheusNamesAreAsDocumented() throws Exception {
        start();
        String scrape = registry.scrape();
        assertThat(scrape).contains("pxe_tftp_transfers_total{outcome=\"ok\"}")
                .contains("pxe_tftp_transfers_total{outcome=\"busy\"}")
                .containsPattern("(?m)^pxe_tftp_bytes_total [0-9.]+$")
                .contains("pxe_tftp_dropped_packets_total{reason=\"malformed\"}")
                .doesNotContain("_total_total").doesNotContain("bytes_total_bytes");
    }

    /** A 64 MiB file must not be held in the heap: measured half-way through a transfer after a GC. */
    @Test
    void largeFileIsStreamedNotLoaded() throws Exception {
        long size = 64L << 20;
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("big.img").toFile(), "rw")) {
            f.setLength(size); // sparse: the content does not matter here, the server's memory does
        }
        int port = start();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        try (RawTftpClient c = new RawTftpClient(port)) {
            System.gc();
            long before = mem.getHeapMemoryUsage().getUsed();
            c.request("big.img", Map.of("blksize", "1468"));
            RawTftpClient.Reply oack = c.receive();
            c.send(new TftpPacket.Ack(0), oack.from());
            long blocks = (size / 1468) / 2;
            RawTftpClient.Reply last = null;
            for (long i = 1; i <= blocks; i++) {
                last = c.receive();
                c.send(new TftpPacket.Ack(((TftpPacket.Data) last.packet()).block()), last.from());
            }
            c.receive(); // the next block is in flight; the server now holds its state mid-file
            System.gc();
            long during = mem.getHeapMemoryUsage().getUsed();
            assertThat(during - before).as("heap growth mid-transfer").isLessThan(24L << 20);
            assertThat(server.activeTransfers()).isEqualTo(1);
        }
    }
}
