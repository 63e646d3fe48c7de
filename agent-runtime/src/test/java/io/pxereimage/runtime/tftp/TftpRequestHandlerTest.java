package io.pxereimage.runtime.tftp;

import static io.pxereimage.runtime.tftp.TftpTestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request decisions without sockets: an {@link EmbeddedChannel} and a recording starter. */
class TftpRequestHandlerTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 69);

    @TempDir
    Path root;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<TftpPacket.Error> errors = new ArrayList<>();
    private final List<TftpTransfer> started = new ArrayList<>();
    private EmbeddedChannel channel;
    private TftpRequestHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(root.resolve("file"), "content");
        TftpConfig cfg = TftpConfig.builder(root).maxTransfers(2).build();
        handler = new TftpRequestHandler(cfg, new TftpMetrics(registry), new TftpRequestHandler.TransferStarter() {
            @Override
            public void start(InetSocketAddress client, InetSocketAddress local, TftpTransfer transfer) {
                started.add(transfer);
            }

            @Override
            public void sendError(InetSocketAddress client, InetSocketAddress local, TftpPacket.Error error) {
                errors.add(error);
            }
        });
        channel = new EmbeddedChannel(handler);
    }

    @AfterEach
    void noLeftovers() {
        started.forEach(t -> t.finish(TransferOutcome.ERROR));
        assertThat(channel.finishAndReleaseAll()).as("no unread outbound messages").isFalse();
    }

    private DatagramPacket in(TftpPacket p, InetSocketAddress from) {
        return new DatagramPacket(TftpCodec.encode(p, UnpooledByteBufAllocator.DEFAULT), SERVER, from);
    }

    private DatagramPacket raw(String s) {
        return new DatagramPacket(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1), SERVER, CLIENT);
    }

    private double outcome(String o) {
        return counter(registry, TftpMetrics.TRANSFERS, "outcome", o);
    }

    @Test
    void inboundBuffersAreReleased() {
        DatagramPacket p = raw("\0\1file\0octet\0");
        ByteBuf content = p.content();
        channel.writeInbound(p);
        assertThat(content.refCnt()).isZero();
        DatagramPacket bad = raw("\0\11garbage");
        channel.writeInbound(bad);
        assertThat(bad.content().refCnt()).isZero();
    }

    @Test
    void readRequestStartsATransferAndRetransmissionIsIgnored() {
        channel.writeInbound(in(new TftpPacket.ReadRequest("/file", "octet", Map.of("blksize", "1024")), CLIENT));
        channel.writeInbound(in(new TftpPacket.ReadRequest("/file", "octet", Map.of("blksize", "1024")), CLIENT));
        assertThat(started).hasSize(1);
        assertThat(started.get(0).request().filename()).isEqualTo("/file");
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "duplicate_request")).isEqualTo(1);
        assertThat(handler.active()).containsKey(CLIENT);
    }

    @Test
    void aDifferentRequestFromTheSamePortReplacesTheTransfer() {
        channel.writeInbound(in(new TftpPacket.ReadRequest("file", "octet", Map.of("tsize", "0")), CLIENT));
        channel.writeInbound(in(new TftpPacket.ReadRequest("file", "octet",
                Map.of("blksize", "1468", "windowsize", "4")), CLIENT));
        assertThat(started).hasSize(2);
        assertThat(handler.active().get(CLIENT)).isSameAs(started.get(1));
        assertThat(outcome("aborted")).isEqualTo(1);
    }

    @Test
    void refusalsGetTheRightErrorCodes() {
        channel.writeInbound(in(new TftpPacket.ReadRequest("missing", "octet", Map.of()), CLIENT));
        channel.writeInbound(in(new TftpPacket.ReadRequest("../etc/passwd", "octet", Map.of()), CLIENT));
        channel.writeInbound(in(new TftpPacket.WriteRequest("file", "octet", Map.of()), CLIENT));
        channel.writeInbound(in(new TftpPacket.ReadRequest("file", "mail", Map.of()), CLIENT));
        channel.writeInbound(in(new TftpPacket.ReadRequest("file", "octet", Map.of("tsize", "x")), CLIENT));
        assertThat(errors).extracting(TftpPacket.Error::code).containsExactly(TftpErrorCode.FILE_NOT_FOUND,
                TftpErrorCode.ACCESS_VIOLATION, TftpErrorCode.ACCESS_VIOLATION, TftpErrorCode.ILLEGAL_OPERATION,
                TftpErrorCode.OPTION_NEGOTIATION);
        assertThat(started).isEmpty();
        assertThat(outcome("not_found")).isEqualTo(1);
        assertThat(outcome("denied")).isEqualTo(4);
    }

    @Test
    void beyondMaxTransfersTheListenerAnswersBusy() {
        for (int port = 1; port <= 3; port++) {
            channel.writeInbound(in(new TftpPacket.ReadRequest("file", "octet", Map.of()),
                    new InetSocketAddress("127.0.0.1", 50000 + port)));
        }
        assertThat(started).hasSize(2);
        DatagramPacket reply = channel.readOutbound();
        try {
            assertThat(reply.recipient()).isEqualTo(new InetSocketAddress("127.0.0.1", 50003));
            assertThat(TftpCodec.decode(reply.content()))
                    .isEqualTo(new TftpPacket.Error(TftpErrorCode.NOT_DEFINED, "server busy"));
        } catch (TftpCodecException e) {
            throw new AssertionError(e);
        } finally {
            reply.release();
        }
        assertThat(outcome("busy")).isEqualTo(1);
    }

    @Test
    void strayPacketsOnTheRequestPortAreCountedNotAnswered() {
        channel.writeInbound(in(new TftpPacket.Ack(1), CLIENT));
        channel.writeInbound(in(new TftpPacket.Data(1, new byte[3]), CLIENT));
        channel.writeInbound(raw("\0"));
        channel.writeInbound(raw("\0\1file"));
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "unexpected_opcode")).isEqualTo(2);
        assertThat(counter(registry, TftpMetrics.DROPPED, "reason", "malformed")).isEqualTo(2);
        assertThat(errors).isEmpty();
        assertThat(channel.isActive()).isTrue();
    }
}
