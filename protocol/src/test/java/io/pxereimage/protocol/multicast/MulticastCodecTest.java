package io.pxereimage.protocol.multicast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

class MulticastCodecTest {
    private static final Header H = new Header(PacketType.DATA, 0x1122334455667788L, 0x0102030405060708L, 7, 99);

    private static Packet roundTrip(Packet p) throws MalformedPacketException {
        return MulticastCodec.decode(MulticastCodec.encode(p));
    }

    @Test
    void everyTypeRoundTrips() throws Exception {
        byte[] answered = new byte[3];
        MulticastCodec.set(answered, 0);
        MulticastCodec.set(answered, 17);
        byte[] missing = new byte[128];
        MulticastCodec.set(missing, 1023);
        List<Packet> packets = List.of(
                new Packet.Announce(H.withType(PacketType.ANNOUNCE), 5_000_000_000L, 1436, 1024,
                        new byte[] {(byte) 239, 1, 2, 3}, 9001, 100_000_000L, 42L),
                new Packet.Register(H.withType(PacketType.REGISTER), -5L, 43L, new byte[32]),
                new Packet.RegisterAck(H.withType(PacketType.REGISTER_ACK), -5L, 1023, 44L),
                new Packet.Data(H, 4095, new byte[] {1, 2, 3}),
                new Packet.Request(H.withType(PacketType.STATUS_REQ), 45L, answered),
                new Packet.Request(H.withType(PacketType.DONE), 46L, new byte[0]),
                new Packet.Status(H.withType(PacketType.STATUS), 3, 47L, missing),
                new Packet.Status(H.withType(PacketType.STATUS), 3, 47L, new byte[0]),
                new Packet.DoneAck(H.withType(PacketType.DONE_ACK), 9, false, 48L),
                new Packet.DoneAck(H.withType(PacketType.DONE_ACK), 9, Packet.DoneResult.INCOMPLETE, 49L),
                new Packet.Leave(H.withType(PacketType.LEAVE), 1023, Packet.LeaveReason.TOO_SLOW),
                new Packet.Leave(H.withType(PacketType.LEAVE), 0, Packet.LeaveReason.ABORT));
        for (Packet p : packets) {
            Packet back = roundTrip(p);
            assertThat(back).usingRecursiveComparison().isEqualTo(p);
            assertThat(back.header().type()).isNotNull();
        }
        Packet.Request r = (Packet.Request) roundTrip(packets.get(4));
        assertThat(r.hasAnswered(0)).isTrue();
        assertThat(r.hasAnswered(17)).isTrue();
        assertThat(r.hasAnswered(1)).isFalse();
        assertThat(r.hasAnswered(100)).isFalse();
        assertThat(((Packet.Status) roundTrip(packets.get(6))).ok()).isFalse();
        assertThat(((Packet.Status) roundTrip(packets.get(7))).ok()).isTrue();
    }

    @Test
    void headerSitsAtDocumentedOffsets() {
        ByteBuffer b = MulticastCodec.encode(new Packet.Data(H, 2, new byte[] {9}));
        assertThat(b.remaining()).isEqualTo(32 + 4 + 1);
        assertThat(b.getInt(0)).isEqualTo(0x50584D43);
        assertThat(b.get(4)).isEqualTo((byte) 1);
        assertThat(b.get(5)).isEqualTo((byte) PacketType.DATA.code);
        assertThat(b.getShort(6)).isEqualTo((short) 5);
        assertThat(b.getLong(8)).isEqualTo(0x1122334455667788L);
        assertThat(b.getLong(16)).isEqualTo(0x0102030405060708L);
        assertThat(b.getInt(24)).isEqualTo(7);
        assertThat(b.getInt(28)).isEqualTo(99);
        assertThat(b.getShort(32)).isEqualTo((short) 2);
        assertThat(b.get(36)).isEqualTo((byte) 9);
    }

    @Test
    void announceComputesBlocksAndSlices() {
        Packet.Announce a = new Packet.Announce(H, 1436L * 2048 + 1, 1436, 1024, new byte[] {(byte) 239, 0, 0, 1},
                1, 0, 0);
        assertThat(a.blockCount()).isEqualTo(2049);
        assertThat(a.sliceCount()).isEqualTo(3);
    }

    private static byte[] valid() {
        ByteBuffer b = MulticastCodec.encode(new Packet.Data(H, 2, new byte[] {9, 8}));
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    private static void malformed(byte[] bytes, String message) {
        assertThatThrownBy(() -> MulticastCodec.decode(ByteBuffer.wrap(bytes)))
                .isInstanceOf(MalformedPacketException.class).hasMessageContaining(message);
        // the receiver's in-place DATA path makes the same checks; a faulty body of another type is left to decode
        boolean data = bytes.length > 5 && bytes[5] == PacketType.DATA.code;
        try {
            assertThat(MulticastCodec.peekData(ByteBuffer.wrap(bytes), new MulticastCodec.DataView())).isFalse();
            assertThat(data).as("peekData accepted a malformed DATA packet").isFalse();
        } catch (MalformedPacketException e) {
            assertThat(e).hasMessageContaining(message);
        }
    }

    @Test
    void peekDataReadsDataInPlaceAndLeavesOtherTypesToDecode() throws Exception {
        Header h = new Header(PacketType.DATA, 0x1122334455667788L, -3, 7, 99);
        ByteBuffer packet = MulticastCodec.encode(new Packet.Data(h, 4095, new byte[] {1, 2, 3}));
        ByteBuffer b = ByteBuffer.allocateDirect(100).position(5); // not at 0, as after a receive
        b.put(packet).flip().position(5);
        MulticastCodec.DataView v = new MulticastCodec.DataView();
        assertThat(MulticastCodec.peekData(b, v)).isTrue();
        assertThat(new long[] {v.session(), v.hashPrefix(), v.slice(), v.sequence(), v.block()})
                .containsExactly(h.session(), h.hashPrefix(), 7, 99, 4095);
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        assertThat(payload).containsExactly(1, 2, 3);

        ByteBuffer status = MulticastCodec.encode(new Packet.Request(
                new Header(PacketType.STATUS_REQ, 1, 2, 3, 4), 5, new byte[1]));
        int at = status.position();
        assertThat(MulticastCodec.peekData(status, v)).isFalse();
        assertThat(status.position()).isEqualTo(at);
        assertThat(MulticastCodec.decode(status)).isInstanceOf(Packet.Request.class);
    }

    @Test
    void rejectsEveryTruncation() {
        byte[] ok = valid();
        for (int n = 0; n < ok.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(ok, n);
            assertThatThrownBy(() -> MulticastCodec.decode(ByteBuffer.wrap(cut)))
                    .isInstanceOf(MalformedPacketException.class);
            assertThatThrownBy(() -> MulticastCodec.peekData(ByteBuffer.wrap(cut), new MulticastCodec.DataView()))
                    .isInstanceOf(MalformedPacketException.class);
        }
        malformed(new byte[0], "short packet");
        malformed(new byte[31], "short packet");
    }

    @Test
    void rejectsBadMagicVersionTypeAndLength() {
        byte[] b = valid();
        b[0] = 'X';
        malformed(b, "bad magic");
        b = valid();
        b[4] = 2;
        malformed(b, "unsupported version 2");
        b = valid();
        b[5] = 0;
        malformed(b, "unknown packet type 0");
        b = valid();
        b[5] = 99;
        malformed(b, "unknown packet type 99");
        b = valid();
        b[7] = 9; // body length 9, 6 bytes follow
        malformed(b, "body length 9 but 6 bytes follow");
        byte[] longer = java.util.Arrays.copyOf(valid(), valid().length + 1);
        malformed(longer, "body length 6 but 7 bytes follow");
        b = valid();
        b[24] = (byte) 0x80; // slice index >= 2^31
        malformed(b, "slice index out of range");
    }

    @Test
    void rejectsBadDataFields() {
        byte[] b = valid();
        b[35] = 1; // reserved
        malformed(b, "reserved");
        b = valid();
        b[32] = 0x10; // block 4096
        malformed(b, "block index out of range");
        // DATA with no payload
        ByteBuffer e = ByteBuffer.allocate(36).putInt(Header.MAGIC).put((byte) 1).put((byte) 4).putShort((short) 4);
        malformed(e.array(), "DATA body length out of range");
    }

    private static byte[] bytes(Packet p) {
        ByteBuffer b = MulticastCodec.encode(p);
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Test
    void rejectsBadFixedBodies() {
        byte[] reg = bytes(new Packet.Register(H, 1, 2, new byte[32]));
        byte[] shorter = java.util.Arrays.copyOf(reg, reg.length - 1);
        shorter[7] = (byte) (shorter[7] - 1);
        malformed(shorter, "REGISTER body must be 48 bytes, is 47");
        byte[] ann = bytes(new Packet.Announce(H, 10, 1436, 16, new byte[] {(byte) 239, 0, 0, 1}, 9000, 0, 0));
        byte[] a = ann.clone();
        a[32 + 28] = 10; // data group 10.0.0.1
        malformed(a, "not an IPv4 multicast address");
        a = ann.clone();
        a[32 + 24] = 0;
        a[32 + 25] = 0; // block size 0
        malformed(a, "block size out of range");
        a = ann.clone();
        a[32 + 26] = 0x20; // slice blocks 8192+
        malformed(a, "slice blocks out of range");
        a = ann.clone();
        a[32 + 32] = 0;
        a[32 + 33] = 0; // port 0
        malformed(a, "data port out of range");
        byte[] ack = bytes(new Packet.DoneAck(H, 1, true, 0));
        ack[32 + 10] = 3;
        malformed(ack, "DONE_ACK result out of range: 3");
        byte[] rack = bytes(new Packet.RegisterAck(H, 1, 1, 0));
        rack[32 + 16] = 0x04; // index 1024+
        malformed(rack, "receiver index out of range");
    }

    @Test
    void doneAckResultsAndLeaveSitAtDocumentedOffsets() throws Exception {
        for (Packet.DoneResult r : Packet.DoneResult.values()) {
            byte[] ack = bytes(new Packet.DoneAck(H, 5, r, 0));
            assertThat(ack[32 + 10]).isEqualTo((byte) r.code);
            Packet.DoneAck back = (Packet.DoneAck) MulticastCodec.decode(ByteBuffer.wrap(ack));
            assertThat(back.result()).isEqualTo(r);
            assertThat(back.verified()).isEqualTo(r == Packet.DoneResult.VERIFIED);
        }
        assertThat(Packet.DoneResult.INCOMPLETE.code).isEqualTo(2);
        byte[] leave = bytes(new Packet.Leave(H.withType(PacketType.LEAVE), 0x0102, Packet.LeaveReason.LOSSY));
        assertThat(leave).hasSize(32 + 4);
        assertThat(leave[5]).isEqualTo((byte) 9);
        assertThat(ByteBuffer.wrap(leave).getShort(32)).isEqualTo((short) 0x0102);
        assertThat(leave[34]).isEqualTo((byte) 2);
        assertThat(leave[35]).isEqualTo((byte) 0);
        assertThat(List.of(Packet.LeaveReason.values()).stream().map(r -> r.code).toList())
                .containsExactly(1, 2, 3, 4);
    }

    @Test
    void rejectsBadLeaves() {
        byte[] ok = bytes(new Packet.Leave(H.withType(PacketType.LEAVE), 3, Packet.LeaveReason.SHUTDOWN));
        for (int n = 0; n < ok.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(ok, n);
            assertThatThrownBy(() -> MulticastCodec.decode(ByteBuffer.wrap(cut)))
                    .isInstanceOf(MalformedPacketException.class);
            assertThatThrownBy(() -> MulticastCodec.peekData(ByteBuffer.wrap(cut), new MulticastCodec.DataView()))
                    .isInstanceOf(MalformedPacketException.class);
        }
        byte[] l = ok.clone();
        l[32 + 2] = 0;
        malformed(l, "LEAVE reason out of range: 0");
        l = ok.clone();
        l[32 + 2] = 5;
        malformed(l, "LEAVE reason out of range: 5");
        l = ok.clone();
        l[32 + 3] = 1;
        malformed(l, "reserved");
        l = ok.clone();
        l[32] = 0x04; // index 1024+
        malformed(l, "receiver index out of range");
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
        longer[7] = 5;
        malformed(longer, "LEAVE body must be 4 bytes, is 5");
    }

    @Test
    void rejectsBitmapSizeMismatches() {
        byte[] req = bytes(new Packet.Request(H.withType(PacketType.STATUS_REQ), 1, new byte[4]));
        byte[] r = req.clone();
        r[32 + 9] = 5; // claims 5 bitmap bytes, 4 follow
        malformed(r, "STATUS_REQ body must be 17 bytes, is 16");
        r = req.clone();
        r[32 + 8] = 0x01; // 260 bytes: more than 1024 receivers
        malformed(r, "answered bitmap length out of range");
        byte[] missing = new byte[2];
        missing[1] = 1;
        byte[] st = bytes(new Packet.Status(H, 0, 1, missing));
        byte[] s = st.clone();
        s[32 + 11] = 1;
        malformed(s, "STATUS body must be 13 bytes, is 14");
        s = st.clone();
        s[32 + 10] = 0x03; // 769+ bytes: more than 4096 blocks
        malformed(s, "missing bitmap length out of range");
        s = st.clone();
        s[32 + 13] = 0;
        malformed(s, "NAK bitmap names no missing block");
        byte[] tooShort = java.util.Arrays.copyOf(st, 32 + 11);
        tooShort[7] = 11;
        malformed(tooShort, "STATUS body too short");
    }

    @Test
    void registerMacBindsTokenHeaderAndFields() {
        Header h = H.withType(PacketType.REGISTER);
        byte[] token = MulticastCodec.token("job-token");
        Packet.Register r = new Packet.Register(h, 5, 6, MulticastCodec.registerMac(token, h, 5, 6));
        assertThat(MulticastCodec.verify(r, token)).isTrue();
        assertThat(MulticastCodec.verify(r, MulticastCodec.token("other"))).isFalse();
        Packet.Register otherSession = new Packet.Register(new Header(PacketType.REGISTER, 1, h.hashPrefix(), 0, 0),
                5, 6, r.mac());
        assertThat(MulticastCodec.verify(otherSession, token)).isFalse();
        Packet.Register otherId = new Packet.Register(h, 7, 6, r.mac());
        assertThat(MulticastCodec.verify(otherId, token)).isFalse();
    }

    @Test
    void hashPrefixIsTheFirstEightBytesBigEndian() {
        byte[] sha = new byte[32];
        for (int i = 0; i < 32; i++) {
            sha[i] = (byte) (i + 1);
        }
        assertThat(Header.hashPrefix(sha)).isEqualTo(0x0102030405060708L);
    }
}
