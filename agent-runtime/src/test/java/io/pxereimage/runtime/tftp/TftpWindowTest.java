package io.pxereimage.runtime.tftp;

import static io.pxereimage.runtime.tftp.TftpTestSupport.counter;
import static io.pxereimage.runtime.tftp.TftpTestSupport.randomFile;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 7440 windows, the EDK2 request pattern, loss, timeouts and request handling, via {@link RawTftpClient}. */
class TftpWindowTest {
    @TempDir
    Path root;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TftpServer server;

    private int start(TftpConfig.Builder b) throws Exception {
        server = new TftpServer(b.build(), registry);
        return server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Map<String, String> opts(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private double outcome(String o) {
        return counter(registry, TftpMetrics.TRANSFERS, "outcome", o);
    }

    @Test
    void edk2SizeProbeAbortThenWindowedDownload() throws Exception {
        Path file = randomFile(root, "bootx64.efi", 1468 * 4 * 10 + 77, 3);
        int port = start(TftpTestSupport.loopback(root));
        try (RawTftpClient c = new RawTftpClient(port)) {
            // 1. Size probe: tsize only.
            c.request("bootx64.efi", opts("tsize", "0"));
            RawTftpClient.Reply oack = c.receive();
            assertThat(oack.packet()).isEqualTo(new TftpPacket.OptionAck(Map.of("tsize",
                    Long.toString(Files.size(file)))));
            assertThat(oack.from().getPort()).isNotEqualTo(port);
            // 2. EDK2 aborts with ERROR 8 and asks again from the same port.
            c.send(new TftpPacket.Error(TftpErrorCode.OPTION_NEGOTIATION, "User aborted the transfer"),
                    oack.from());
            c.request("bootx64.efi", opts("blksize", "1468", "windowsize", "4", "tsize", "0"));
            RawTftpClient.Reply second = c.receive();
            assertThat(second.packet()).isEqualTo(new TftpPacket.OptionAck(opts("blksize", "1468",
                    "windowsize", "4", "tsize", Long.toString(Files.size(file)))));
            c.probeWindows = 3;
            byte[] got = c.download(second, 1468, 4, 0, 0, null, 3);
            assertThat(got).isEqualTo(Files.readAllBytes(file));
            // 10 full windows of 4, then one window holding the short last block.
            assertThat(c.windowCounts).hasSize(11).allMatch(n -> n == 4 || n == 1);
            assertThat(c.windowCounts.subList(0, 10)).containsOnly(4);
        }
        waitFor(() -> outcome("ok") == 1);
        assertThat(outcome("aborted")).isEqualTo(1);
        assertThat(outcome("timeout")).isZero();
    }

    @Test
    void windowIsCappedByTheServerMaximum() throws Exception {
        randomFile(root, "f", 512 * 100, 5);
        int port = start(TftpTestSupport.loopback(root).maxWindowSize(8));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts("windowsize", "16"));
            RawTftpClient.Reply oack = c.receive();
            assertThat(oack.packet()).isEqualTo(new TftpPacket.OptionAck(Map.of("windowsize", "8")));
            c.probeWindows = 2;
            c.download(oack, 512, 8, 0, 0, null, 3);
            assertThat(c.windowCounts.subList(0, 12)).containsOnly(8);
        }
    }

    @Test
    void lossyWindowedTransferCompletes() throws Exception {
        lossy(opts("blksize", "1468", "windowsize", "4"), 1468, 4, 400_000);
    }

    @Test
    void lossyLockStepTransferCompletes() throws Exception {
        lossy(opts(), 512, 1, 100_000);
    }

    private void lossy(Map<String, String> options, int blk, int window, int size) throws Exception {
        Path file = randomFile(root, "lossy", size, 11);
        int port = start(TftpTestSupport.loopback(root).timeout(Duration.ofMillis(60)).retries(10));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("lossy", options);
            RawTftpClient.Reply first = c.receive();
            byte[] got = c.download(first, blk, window, 0.05, 0.05, new Random(7), 20);
            assertThat(got).isEqualTo(Files.readAllBytes(file));
            // Loss happened and the server resent: more DATA packets than blocks.
            assertThat(c.dataPackets).isGreaterThan(size / blk + 1);
        }
        waitFor(() -> outcome("ok") == 1);
        assertThat(registry.counter(TftpMetrics.BYTES).count()).isEqualTo(size);
    }

    @Test
    void silentClientTimesOutAfterRetries() throws Exception {
        randomFile(root, "f", 5000, 1);
        int port = start(TftpTestSupport.loopback(root).timeout(Duration.ofMillis(50)).retries(3));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts());
            int copies = 0;
            while (c.receive(1500) != null) {
                copies++;
            }
            // The first transmission plus 3 retransmissions of DATA 1, then silence.
            assertThat(copies).isEqualTo(4);
        }
        waitFor(() -> outcome("timeout") == 1);
        assertThat(server.activeTransfers()).isZero();
    }

    @Test
    void missingFinalAckStillCountsAsOk() throws Exception {
        randomFile(root, "f", 700, 1);
        int port = start(TftpTestSupport.loopback(root).timeout(Duration.ofMillis(50)).retries(5));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts());
            RawTftpClient.Reply d1 = c.receive();
            assertThat(((TftpPacket.Data) d1.packet()).block()).isEqualTo(1);
            c.send(new TftpPacket.Ack(1), d1.from());
            RawTftpClient.Reply d2 = c.receive();
            assertThat(((TftpPacket.Data) d2.packet()).payload()).hasSize(700 - 512);
            // No final ACK.
        }
        waitFor(() -> outcome("ok") == 1);
        assertThat(outcome("timeout")).isZero();
    }

    @Test
    void finalBlockNeverReceivedIsATimeoutNotOk() throws Exception {
        randomFile(root, "f", 700, 1);
        int port = start(TftpTestSupport.loopback(root).timeout(Duration.ofMillis(50)).retries(5));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts());
            RawTftpClient.Reply d1 = c.receive();
            c.send(new TftpPacket.Ack(1), d1.from());
            // Every copy of the final block is "lost": the client keeps repeating ACK 1, as RFC 1350 clients do.
            while (c.receive(500) != null) {
                c.send(new TftpPacket.Ack(1), d1.from());
            }
        }
        waitFor(() -> outcome("timeout") == 1);
        assertThat(outcome("ok")).isZero();
    }

    @Test
    void duplicateRequestIsIgnoredAndForeignTidGetsError5() throws Exception {
        randomFile(root, "f", 2000, 1);
        int port = start(TftpTestSupport.loopback(root));
        try (RawTftpClient c = new RawTftpClient(port); RawTftpClient intruder = new RawTftpClient(port)) {
            c.request("f", opts("blksize", "1024"));
            c.request("f", opts("blksize", "1024"));
            RawTftpClient.Reply oack = c.receive();
            assertThat(oack.packet()).isInstanceOf(TftpPacket.OptionAck.class);
            intruder.send(new TftpPacket.Ack(0), oack.from());
            RawTftpClient.Reply err = intruder.receive();
            assertThat(err.packet()).isInstanceOf(TftpPacket.Error.class);
            assertThat(((TftpPacket.Error) err.packet()).code()).isEqualTo(TftpErrorCode.UNKNOWN_TID);
            byte[] got = c.download(oack, 1024, 1, 0, 0, null, 3);
            assertThat(got).isEqualTo(Files.readAllBytes(root.resolve("f")));
            // Only one OACK came: the second RRQ was a duplicate.
            assertThat(c.receive(200)).isNull();
        }
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "duplicate_request")).isEqualTo(1);
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "unknown_tid")).isEqualTo(1);
        waitFor(() -> outcome("ok") == 1);
    }

    @Test
    void transfersBeyondTheLimitGetServerBusy() throws Exception {
        randomFile(root, "f", 5000, 1);
        int port = start(TftpTestSupport.loopback(root).maxTransfers(1));
        try (RawTftpClient a = new RawTftpClient(port); RawTftpClient b = new RawTftpClient(port)) {
            a.request("f", opts());
            RawTftpClient.Reply first = a.receive();
            assertThat(first.packet()).isInstanceOf(TftpPacket.Data.class);
            b.request("f", opts());
            RawTftpClient.Reply busy = b.receive();
            assertThat(busy.packet()).isEqualTo(new TftpPacket.Error(TftpErrorCode.NOT_DEFINED, "server busy"));
            a.download(first, 512, 1, 0, 0, null, 3);
        }
        assertThat(outcome("busy")).isEqualTo(1);
        waitFor(() -> outcome("ok") == 1);
        // The slot is free again.
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts());
            assertThat(c.download(c.receive(), 512, 1, 0, 0, null, 3)).hasSize(5000);
        }
    }

    @Test
    void badOptionValueGetsError8AndUnsupportedModeError4() throws Exception {
        randomFile(root, "f", 10, 1);
        int port = start(TftpTestSupport.loopback(root));
        try (RawTftpClient c = new RawTftpClient(port)) {
            c.request("f", opts("blksize", "large"));
            TftpPacket.Error e = (TftpPacket.Error) c.receive().packet();
            assertThat(e.code()).isEqualTo(TftpErrorCode.OPTION_NEGOTIATION);
            assertThat(e.message()).contains("blksize");
            c.send(new TftpPacket.ReadRequest("f", "mail", Map.of()), new java.net.InetSocketAddress(
                    java.net.InetAddress.getLoopbackAddress(), port));
            assertThat(((TftpPacket.Error) c.receive().packet()).code()).isEqualTo(TftpErrorCode.ILLEGAL_OPERATION);
        }
    }

    /** Wildcard bind: replies must come from the address the client sent to (127.0.0.2 here), not by route. */
    @Test
    void wildcardBoundServerRepliesFromTheAddressTheClientUsed() throws Exception {
        randomFile(root, "f", 3000, 1);
        server = new TftpServer(TftpConfig.builder(root).bindAddress(java.net.InetAddress.getByName("0.0.0.0"))
                .port(0).build(), registry);
        int port = server.start();
        io.pxereimage.runtime.testing.Prerequisites.require(server.transportName().equals("epoll"),
                "original destination address needs epoll");
        try (RawTftpClient c = new RawTftpClient(port)) {
            java.net.InetSocketAddress alias = new java.net.InetSocketAddress("127.0.0.2", port);
            c.send(new TftpPacket.ReadRequest("f", "octet", Map.of()), alias);
            RawTftpClient.Reply first = c.receive();
            assertThat(first.from().getAddress()).isEqualTo(alias.getAddress());
            assertThat(c.download(first, 512, 1, 0, 0, null, 3)).hasSize(3000);
            c.send(new TftpPacket.ReadRequest("missing", "octet", Map.of()), alias);
            RawTftpClient.Reply err = c.receive();
            assertThat(err.packet()).isInstanceOf(TftpPacket.Error.class);
            assertThat(err.from().getAddress()).isEqualTo(alias.getAddress());
        }
    }

    static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        waitFor(cond, Duration.ofSeconds(10));
    }

    static void waitFor(java.util.function.BooleanSupplier cond, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + limit.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }
}
