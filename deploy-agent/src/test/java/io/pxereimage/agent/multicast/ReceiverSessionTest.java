package io.pxereimage.agent.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

class ReceiverSessionTest {
    private static final int BLOCK = 100;
    private static final int SLICE = 10;
    private static final long SESSION = 77;

    @TempDir
    Path dir;
    private byte[] image;
    private byte[] sha;
    private long prefix;
    private Packet.Announce announce;

    @BeforeEach
    void image() throws Exception {
        image = new byte[BLOCK * 25 + 37]; // 26 blocks: slices of 10, 10, 6; last block 37 bytes
        new Random(1).nextBytes(image);
        sha = MessageDigest.getInstance("SHA-256").digest(image);
        prefix = Header.hashPrefix(sha);
        announce = new Packet.Announce(new Header(PacketType.ANNOUNCE, SESSION, prefix, 0, 0), image.length, BLOCK,
                SLICE, new byte[] {(byte) 239, 1, 1, 1}, 9000, 0, 0);
    }

    private Packet.Data data(long session, long hash, int slice, int block) {
        int off = (slice * SLICE + block) * BLOCK;
        byte[] payload = Arrays.copyOfRange(image, off, Math.min(image.length, off + BLOCK));
        return new Packet.Data(new Header(PacketType.DATA, session, hash, slice, 0), block, payload);
    }

    private Packet.Request request(PacketType type, int slice, byte[] answered) {
        return new Packet.Request(new Header(type, SESSION, prefix, slice, 0), 5, answered);
    }

    private FileChannel file() throws Exception {
        return FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    @Test
    void packetsOfAnotherSessionOrImageAreCountedAndNeverWritten() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, sha);
            Packet.Data foreignSession = new Packet.Data(new Header(PacketType.DATA, SESSION + 1, prefix, 0, 0), 0,
                    new byte[BLOCK]);
            Packet.Data foreignImage = new Packet.Data(new Header(PacketType.DATA, SESSION, prefix ^ 1, 0, 0), 0,
                    new byte[BLOCK]);
            assertThat(s.handle(foreignSession)).isEmpty();
            assertThat(s.handle(foreignImage)).isEmpty();
            Packet.Request otherStatus = new Packet.Request(new Header(PacketType.STATUS_REQ, SESSION + 1, prefix, 0,
                    0), 1, new byte[0]);
            assertThat(s.handle(otherStatus)).isEmpty();
            assertThat(s.foreign()).isEqualTo(3);
            assertThat(s.written()).isZero();
            assertThat(f.size()).isZero();
        }
    }

    @Test
    void statusNamesMissingBlocksThenOkAndStaysSilentOnceAnswered() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 3, f, sha);
            for (int b = 0; b < SLICE; b++) {
                if (b != 2 && b != 9) {
                    s.handle(data(SESSION, prefix, 0, b));
                }
            }
            Packet.Status nak = (Packet.Status) s.handle(request(PacketType.STATUS_REQ, 0, new byte[1])).orElseThrow();
            assertThat(nak.index()).isEqualTo(3);
            assertThat(nak.echoNanos()).isEqualTo(5);
            assertThat(nak.missing()).hasSize(2);
            for (int b = 0; b < SLICE; b++) {
                assertThat(MulticastCodec.bit(nak.missing(), b)).as("block %d", b).isEqualTo(b == 2 || b == 9);
            }
            s.handle(data(SESSION, prefix, 0, 2));
            s.handle(data(SESSION, prefix, 0, 9));
            s.handle(data(SESSION, prefix, 0, 9));
            assertThat(s.duplicates()).isEqualTo(1);
            assertThat(((Packet.Status) s.handle(request(PacketType.STATUS_REQ, 0, new byte[1])).orElseThrow()).ok())
                    .isTrue();
            byte[] answered = new byte[1];
            MulticastCodec.set(answered, 3);
            assertThat(s.handle(request(PacketType.STATUS_REQ, 0, answered))).isEmpty();
            // the short last slice: 6 blocks, a 1-byte bitmap
            Packet.Status last = (Packet.Status) s.handle(request(PacketType.STATUS_REQ, 2, new byte[1])).orElseThrow();
            assertThat(last.missing()).containsExactly((byte) 0x3f);
        }
    }

    @Test
    void blocksOfTheWrongLengthOrPlaceAreNotWritten() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, sha);
            s.handle(new Packet.Data(new Header(PacketType.DATA, SESSION, prefix, 0, 0), 0, new byte[BLOCK - 1]));
            s.handle(new Packet.Data(new Header(PacketType.DATA, SESSION, prefix, 0, 0), SLICE, new byte[BLOCK]));
            s.handle(new Packet.Data(new Header(PacketType.DATA, SESSION, prefix, 3, 0), 0, new byte[BLOCK]));
            s.handle(new Packet.Data(new Header(PacketType.DATA, SESSION, prefix, 2, 0), 5, new byte[BLOCK]));
            assertThat(s.invalid()).isEqualTo(4);
            assertThat(s.written()).isZero();
        }
    }

    /** {@code p} encoded into the reused receive buffer {@code buf} and peeked, as the receiver's hot path does. */
    private static boolean peekData(Packet.Data p, ByteBuffer buf, MulticastCodec.DataView v) throws Exception {
        buf.clear();
        buf.put(MulticastCodec.encode(p)).flip();
        return MulticastCodec.peekData(buf, v);
    }

    @Test
    void dataReadInPlaceIsHandledLikeDecodedData() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 1, f, sha);
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            MulticastCodec.DataView v = new MulticastCodec.DataView();
            assertThat(peekData(data(SESSION + 1, prefix, 0, 0), buf, v)).isTrue();
            assertThat(s.handleData(v, buf)).isFalse(); // another session
            assertThat(peekData(new Packet.Data(new Header(PacketType.DATA, SESSION, prefix, 0, 0), 0,
                    new byte[BLOCK - 1]), buf, v)).isTrue();
            assertThat(s.handleData(v, buf)).isTrue(); // ours, but the wrong length: not written
            for (int slice = 0; slice < 3; slice++) {
                for (int b = 0; b < SLICE && slice * SLICE + b < 26; b++) {
                    assertThat(peekData(data(SESSION, prefix, slice, b), buf, v)).isTrue();
                    assertThat(s.handleData(v, buf)).isTrue();
                }
            }
            assertThat(peekData(data(SESSION, prefix, 1, 3), buf, v)).isTrue();
            s.handleData(v, buf);
            assertThat(new long[] {s.foreign(), s.invalid(), s.duplicates()}).containsExactly(1, 1, 1);
            Packet.DoneAck ack = (Packet.DoneAck) s.handle(request(PacketType.DONE, 0, new byte[0])).orElseThrow();
            assertThat(ack.verified()).isTrue();
        }
        assertThat(Files.readAllBytes(dir.resolve("out"))).isEqualTo(image);
    }

    @Test
    void doneReportsTheWholeImageHash() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 1, f, sha);
            for (int slice = 0; slice < 3; slice++) {
                for (int b = 0; b < SLICE && slice * SLICE + b < 26; b++) {
                    s.handle(data(SESSION, prefix, slice, b));
                }
            }
            assertThat(s.complete()).isTrue();
            Packet.DoneAck ack = (Packet.DoneAck) s.handle(request(PacketType.DONE, 0, new byte[0])).orElseThrow();
            assertThat(ack.verified()).isTrue();
            assertThat(ack.index()).isEqualTo(1);
            byte[] answered = new byte[1];
            MulticastCodec.set(answered, 1);
            assertThat(s.handle(request(PacketType.DONE, 0, answered))).isEmpty();
            assertThat(s.released()).isTrue();
        }
        assertThat(Files.readAllBytes(dir.resolve("out"))).isEqualTo(image);
    }

    @Test
    void corruptedImageFailsVerification() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, sha);
            for (int slice = 0; slice < 3; slice++) {
                for (int b = 0; b < SLICE && slice * SLICE + b < 26; b++) {
                    s.handle(data(SESSION, prefix, slice, b));
                }
            }
            assertThat(s.complete()).isTrue(); // every block written (gathered runs are flushed by now)
            f.write(ByteBuffer.wrap(new byte[] {(byte) ~image[500]}), 500); // the disk returned something else
            Optional<Packet> ack = s.handle(request(PacketType.DONE, 0, new byte[0]));
            assertThat(((Packet.DoneAck) ack.orElseThrow()).verified()).isFalse();
        }
    }

    @Test
    void incompleteImageFailsVerificationAndAnswersDoneIncomplete() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, sha);
            s.handle(data(SESSION, prefix, 0, 0));
            assertThat(s.verify()).isFalse();
            Packet.DoneAck ack = (Packet.DoneAck) s.handle(request(PacketType.DONE, 0, new byte[0])).orElseThrow();
            assertThat(ack.result()).isEqualTo(Packet.DoneResult.INCOMPLETE);
        }
    }

    @Test
    void onlyMappedBytesAreWrittenAndUnmappedBlocksAreNeverNaked() throws Exception {
        // block map: bytes 150..420 and 2000..2537 (the end); blocks of 100
        ImageLayout layout = ImageLayout.mapped(image.length,
                List.of(new ImageLayout.Range(150, 420), new ImageLayout.Range(2000, image.length)));
        BlockBitmap bitmap = new BlockBitmap(image.length, BLOCK);
        layout.markUnneeded(bitmap);
        byte[] disk = new byte[image.length];
        Arrays.fill(disk, (byte) 0x5a);
        Files.write(dir.resolve("out"), disk);
        AtomicInteger verifications = new AtomicInteger();
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, bitmap, layout, () -> {
                verifications.incrementAndGet();
                return true;
            });
            Packet.Status nak = (Packet.Status) s.handle(request(PacketType.STATUS_REQ, 0, new byte[1])).orElseThrow();
            for (int b = 0; b < SLICE; b++) {
                assertThat(MulticastCodec.bit(nak.missing(), b)).as("block %d needed", b).isEqualTo(b >= 1 && b <= 4);
            }
            for (int slice = 0; slice < 3; slice++) {
                for (int b = 0; b < SLICE && slice * SLICE + b < 26; b++) {
                    s.handle(data(SESSION, prefix, slice, b));
                }
            }
            assertThat(s.writtenBytes()).isEqualTo(270 + image.length - 2000);
            assertThat(s.written()).as("blocks 1-4 and 20-25").isEqualTo(10);
            assertThat(s.duplicates()).as("unneeded blocks count as had").isEqualTo(16);
            Packet.DoneAck ack = (Packet.DoneAck) s.handle(request(PacketType.DONE, 0, new byte[0])).orElseThrow();
            assertThat(ack.result()).isEqualTo(Packet.DoneResult.VERIFIED);
            s.handle(request(PacketType.DONE, 0, new byte[0]));
            assertThat(verifications).as("verified once").hasValue(1);
        }
        byte[] out = Files.readAllBytes(dir.resolve("out"));
        for (int i = 0; i < image.length; i++) {
            boolean mapped = i >= 150 && i < 420 || i >= 2000;
            assertThat(out[i]).as("byte %d", i).isEqualTo(mapped ? image[i] : (byte) 0x5a);
        }
    }

    @Test
    void resumedBlocksAreNeitherNakedNorRewritten() throws Exception {
        BlockBitmap bitmap = new BlockBitmap(image.length, BLOCK);
        bitmap.set(0, 15); // slice 0 and half of slice 1 came in an earlier run
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 2, f, bitmap, ImageLayout.whole(image.length),
                    () -> true);
            assertThat(((Packet.Status) s.handle(request(PacketType.STATUS_REQ, 0, new byte[1])).orElseThrow()).ok())
                    .isTrue();
            Packet.Status nak = (Packet.Status) s.handle(request(PacketType.STATUS_REQ, 1, new byte[1])).orElseThrow();
            assertThat(nak.missing()).containsExactly((byte) 0xe0, (byte) 0x03);
            s.handle(data(SESSION, prefix, 0, 3));
            assertThat(s.written()).isZero();
            assertThat(f.size()).as("nothing rewritten").isZero();
        }
    }

    @Test
    void leaveFromTheSenderIsNotedOnlyForThisReceiverOrAll() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 4, f, sha);
            Header h = new Header(PacketType.LEAVE, SESSION, prefix, 0, 0);
            s.handle(new Packet.Leave(h, 5, Packet.LeaveReason.TOO_SLOW));
            assertThat(s.told()).isNull();
            s.handle(new Packet.Leave(new Header(PacketType.LEAVE, SESSION + 1, prefix, 0, 0), 4,
                    Packet.LeaveReason.TOO_SLOW));
            assertThat(s.told()).as("another session's LEAVE").isNull();
            s.handle(new Packet.Leave(h, 4, Packet.LeaveReason.TOO_SLOW));
            assertThat(s.told()).isEqualTo(Packet.LeaveReason.TOO_SLOW);
            ReceiverSession t = new ReceiverSession(announce, 4, f, sha);
            t.handle(new Packet.Leave(h, 0, Packet.LeaveReason.ABORT));
            assertThat(t.told()).isEqualTo(Packet.LeaveReason.ABORT);
        }
    }

    @Test
    void lossIsMeasuredFromGapsInTheSendersCounter() throws Exception {
        try (FileChannel f = file()) {
            ReceiverSession s = new ReceiverSession(announce, 0, f, sha);
            int seq = 5000; // a late joiner: what came before its first packet is no loss
            int w = ReceiverSession.LOSS_WINDOW;
            for (int i = 0; i < (ReceiverSession.LOSS_WINDOWS + 1) * w; i++, seq++) {
                // the last window loses 60 %: a burst, not sustained loss
                boolean burst = i >= ReceiverSession.LOSS_WINDOWS * w && i % 10 < 6;
                if (i == ReceiverSession.LOSS_WINDOWS * w - 1) {
                    assertThat(s.loss()).isZero(); // too few windows yet to call it sustained
                }
                if (i % 10 != 3 && !burst) { // 10 % lost
                    s.handle(new Packet.Request(new Header(PacketType.STATUS_REQ, SESSION, prefix, 0, seq), 5,
                            new byte[] {1}));
                }
            }
            assertThat(s.loss()).isBetween(0.08, 0.12);
        }
    }
}
