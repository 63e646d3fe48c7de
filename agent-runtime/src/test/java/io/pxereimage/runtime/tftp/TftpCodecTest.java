package io.pxereimage.runtime.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TftpCodecTest {

    private static byte[] encode(TftpPacket p) {
        ByteBuf buf = TftpCodec.encode(p, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static TftpPacket decode(byte[] bytes) throws TftpCodecException {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            TftpPacket p = TftpCodec.decode(buf);
            assertThat(buf.isReadable()).as("decoder consumed everything").isFalse();
            return p;
        } finally {
            buf.release();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** RRQ as EDK2 sends its second request: "\0\1" name NUL "octet" NUL options. */
    private static final byte[] EDK2_RRQ = bytes("\0\1bootx64.efi\0octet\0blksize\0001468\0windowsize\0004\0");

    @Test
    void decodesReadRequestWithOptions() throws Exception {
        TftpPacket p = decode(EDK2_RRQ);
        assertThat(p).isEqualTo(new TftpPacket.ReadRequest("bootx64.efi", "octet",
                ordered("blksize", "1468", "windowsize", "4")));
    }

    @Test
    void requestRoundTripIsByteExact() throws Exception {
        assertThat(encode(decode(EDK2_RRQ))).isEqualTo(EDK2_RRQ);
    }

    @Test
    void optionNamesAndModeAreCaseInsensitive() throws Exception {
        var p = (TftpPacket.ReadRequest) decode(bytes("\0\1f\0OCTET\0BlkSize\0001024\0TSIZE\0000\0"));
        assertThat(p.mode()).isEqualTo("octet");
        assertThat(p.options()).containsExactly(Map.entry("blksize", "1024"), Map.entry("tsize", "0"));
    }

    @Test
    void trailingNulPaddingAfterARequestIsTolerated() throws Exception {
        var p = (TftpPacket.ReadRequest) decode(bytes("\0\1f\0octet\0\0\0\0"));
        assertThat(p.options()).isEmpty();
    }

    @Test
    void encodesDataAckErrorAndOackByteExact() {
        assertThat(encode(new TftpPacket.Data(0xFFFF, new byte[] {1, 2, 3})))
                .containsExactly(0, 3, 0xFF, 0xFF, 1, 2, 3);
        assertThat(encode(new TftpPacket.Ack(258))).containsExactly(0, 4, 1, 2);
        assertThat(encode(new TftpPacket.Error(TftpErrorCode.FILE_NOT_FOUND, "nope")))
                .isEqualTo(bytes("\0\5\0\1nope\0"));
        assertThat(encode(new TftpPacket.OptionAck(ordered("blksize", "1468", "tsize", "123"))))
                .isEqualTo(bytes("\0\6blksize\0001468\0tsize\000123\0"));
        assertThat(encode(new TftpPacket.WriteRequest("a/b", "netascii", Map.of())))
                .isEqualTo(bytes("\0\2a/b\0netascii\0"));
    }

    @Test
    void dataHeaderWritesTheLow16Bits() {
        ByteBuf buf = Unpooled.buffer();
        TftpCodec.writeDataHeader(buf, 65536 + 7);
        assertThat(ByteBufUtil.getBytes(buf)).containsExactly(0, 3, 0, 7);
    }

    @Test
    void decodesDataAckErrorOack() throws Exception {
        assertThat(decode(new byte[] {0, 3, 0, 1, 9, 8})).isEqualTo(new TftpPacket.Data(1, new byte[] {9, 8}));
        assertThat(decode(new byte[] {0, 3, 0, 0})).isEqualTo(new TftpPacket.Data(0, new byte[0]));
        assertThat(decode(new byte[] {0, 4, (byte) 0xFF, (byte) 0xFE})).isEqualTo(new TftpPacket.Ack(65534));
        assertThat(decode(bytes("\0\5\0\10User aborted the transfer\0")))
                .isEqualTo(new TftpPacket.Error(TftpErrorCode.OPTION_NEGOTIATION, "User aborted the transfer"));
        assertThat(decode(bytes("\0\5\0\77no nul"))).isEqualTo(
                new TftpPacket.Error(TftpErrorCode.valueOf(63), "no nul"));
        assertThat(decode(bytes("\0\6tsize\00042\0"))).isEqualTo(new TftpPacket.OptionAck(Map.of("tsize", "42")));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "'', opcode",
        "'\\0', opcode",
        "'\\0\\0', opcode",
        "'\\0\\7', opcode",
        "'\\377\\377', opcode",
        "'\\0\\1', filename",
        "'\\0\\1file', filename",
        "'\\0\\1\\0octet\\0', filename",
        "'\\0\\1file\\0', mode",
        "'\\0\\1file\\0octet', mode",
        "'\\0\\1file\\0octet\\0blksize', option name",
        "'\\0\\1file\\0octet\\0blksize\\0', option blksize",
        "'\\0\\1file\\0octet\\0blksize\\0001468', option blksize",
        "'\\0\\1file\\0octet\\0\\0x\\0', option name",
        "'\\0\\3\\0', block",
        "'\\0\\4', block",
        "'\\0\\4\\1', block",
        "'\\0\\5\\0', error code",
        "'\\0\\6tsize', option name",
    })
    void malformedInputNamesTheField(String escaped, String field) {
        byte[] in = unescape(escaped);
        assertThatThrownBy(() -> TftpCodec.decode(Unpooled.wrappedBuffer(in)))
                .isInstanceOf(TftpCodecException.class)
                .satisfies(e -> assertThat(((TftpCodecException) e).field()).isEqualTo(field));
    }

    @Test
    void randomGarbageNeverThrowsAnythingButTheCodecException() {
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(40)];
            r.nextBytes(b);
            if (b.length >= 2 && r.nextBoolean()) {
                b[0] = 0;
                b[1] = (byte) (1 + r.nextInt(6));
            }
            try {
                TftpCodec.decode(Unpooled.wrappedBuffer(b));
            } catch (TftpCodecException expected) {
                assertThat(expected.field()).isNotBlank();
            }
        }
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Octal escapes as in C: {@code \0}, {@code \377}. */
    private static byte[] unescape(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            int j = i + 1;
            int v = 0;
            while (j < s.length() && j < i + 4 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                v = v * 8 + (s.charAt(j) - '0');
                j++;
            }
            out.write(v);
            i = j - 1;
        }
        return out.toByteArray();
    }
}
