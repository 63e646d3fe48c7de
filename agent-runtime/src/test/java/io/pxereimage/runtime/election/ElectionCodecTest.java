package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pxereimage.runtime.net.Ip4;

class ElectionCodecTest {
    static final byte[] KEY = "0123456789abcdef-shared-key".getBytes(StandardCharsets.UTF_8);
    static final ElectionCodec CODEC = new ElectionCodec(KEY);
    static final Announcement A = new Announcement(Subnet.parse("10.231.104.0/24"), 0x0ae76801L,
            Ip4.parse("10.231.104.1"), 300, Role.RESPONDER, true, 0x0000018c_12345678L, 0xfffffffeL);

    @Test
    void roundTrip() throws Exception {
        byte[] wire = CODEC.encode(A);
        assertThat(wire).hasSize(ElectionCodec.LENGTH).hasSize(72);
        assertThat(CODEC.decode(wire)).isEqualTo(A);
        Announcement standby = new Announcement(A.subnet(), 7, A.address(), 0, Role.STANDBY, false, 1, 0);
        assertThat(CODEC.decode(CODEC.encode(standby))).isEqualTo(standby);
    }

    @Test
    void layoutMatchesDocsElectionMd() {
        String hex = HexFormat.of().formatHex(CODEC.encode(A));
        // magic "PXEL", version 1, type 1, role 2 (responder), flags 1 (busy)
        assertThat(hex.substring(0, 16)).isEqualTo("5058454c01010201");
        // subnet 10.231.104.0, prefix 24, reserved 0, weight 300
        assertThat(hex.substring(16, 32)).isEqualTo("0ae7680018" + "00" + "012c");
        // id, address, epoch, seq
        assertThat(hex.substring(32, 48)).isEqualTo("000000000ae76801");
        assertThat(hex.substring(48, 56)).isEqualTo("0ae76801");
        assertThat(hex.substring(56, 72)).isEqualTo("0000018c12345678");
        assertThat(hex.substring(72, 80)).isEqualTo("fffffffe");
        assertThat(hex).hasSize(144); // + 32 bytes of HMAC
    }

    @Test
    void aWrongKeyIsUnauthenticated() {
        byte[] wire = new ElectionCodec("another-key-of-16-bytes".getBytes(StandardCharsets.UTF_8)).encode(A);
        assertThatThrownBy(() -> CODEC.decode(wire)).isInstanceOfSatisfying(ElectionCodecException.class,
                e -> assertThat(e.kind()).isEqualTo(ElectionCodecException.Kind.UNAUTHENTICATED));
    }

    @Test
    void everyFlippedBitIsRejected() {
        byte[] wire = CODEC.encode(A);
        for (int i = 0; i < wire.length * 8; i++) {
            byte[] bad = wire.clone();
            bad[i / 8] ^= (byte) (1 << (i % 8));
            assertThatThrownBy(() -> CODEC.decode(bad)).as("bit %d", i).isInstanceOf(ElectionCodecException.class);
        }
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 4, 71, 73, 1500})
    void wrongLengthsAreMalformed(int length) {
        byte[] wire = Arrays.copyOf(CODEC.encode(A), length);
        assertMalformed(wire, "length");
    }

    @Test
    void headerErrorsAreMalformedBeforeTheHmacIsChecked() {
        byte[] wire = CODEC.encode(A);
        wire[0] = 'X';
        assertMalformed(wire, "magic");
        wire = CODEC.encode(A);
        wire[4] = 2;
        assertMalformed(wire, "version");
        wire = CODEC.encode(A);
        wire[5] = 9;
        assertMalformed(wire, "type");
    }

    /** Fields are checked after the HMAC: a peer with our key that sends nonsense is a bug, still dropped. */
    @Test
    void authenticatedNonsenseIsMalformed() {
        assertMalformed(resign(CODEC.encode(A), 6, 3), "role");
        assertMalformed(resign(CODEC.encode(A), 7, 3), "flags");
        assertMalformed(resign(CODEC.encode(A), 13, 1), "reserved");
        assertMalformed(resign(CODEC.encode(A), 12, 33), "subnet");
        assertMalformed(resign(CODEC.encode(A), 12, 16), "subnet"); // 10.231.104.0/16 has host bits
        byte[] zeroId = CODEC.encode(A);
        for (int i = 16; i < 24; i++) {
            zeroId[i] = 0;
        }
        assertMalformed(resign(zeroId, 16, 0), "id");
    }

    @Test
    void shortKeysAreRefusedAndTheKeyIsNotPrinted() {
        assertThatThrownBy(() -> new ElectionCodec(new byte[15])).hasMessageContaining("at least 16");
        assertThat(CODEC.toString()).doesNotContain("shared-key");
    }

    /** Sets byte {@code at} to {@code value} and signs again with the right key. */
    private static byte[] resign(byte[] wire, int at, int value) {
        wire[at] = (byte) value;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            mac.update(wire, 0, ElectionCodec.BODY_LENGTH);
            System.arraycopy(mac.doFinal(), 0, wire, ElectionCodec.BODY_LENGTH, ElectionCodec.MAC_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        return wire;
    }

    private static void assertMalformed(byte[] wire, String field) {
        assertThatThrownBy(() -> CODEC.decode(wire)).isInstanceOfSatisfying(ElectionCodecException.class, e -> {
            assertThat(e.kind()).isEqualTo(ElectionCodecException.Kind.MALFORMED);
            assertThat(e.getMessage()).startsWith(field);
        });
    }
}
