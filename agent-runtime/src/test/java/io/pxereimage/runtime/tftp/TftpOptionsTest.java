package io.pxereimage.runtime.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TftpOptionsTest {

    private static Map<String, String> req(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static TftpOptions.Negotiation negotiate(Map<String, String> r, long size) throws Exception {
        return TftpOptions.parse(r).negotiate(r, 1468, 64, size);
    }

    @Test
    void noOptionsMeansNoOackAndRfc1350Defaults() throws Exception {
        var n = negotiate(req(), 1000);
        assertThat(n.hasOack()).isFalse();
        assertThat(n.blockSize()).isEqualTo(512);
        assertThat(n.windowSize()).isEqualTo(1);
        assertThat(n.timeoutSeconds()).isZero();
    }

    @Test
    void edk2SizeProbeGetsOnlyTsize() throws Exception {
        var n = negotiate(req("tsize", "0"), 123_456);
        assertThat(n.acknowledged()).containsExactly(Map.entry("tsize", "123456"));
    }

    @Test
    void ipxeRequestIsAnsweredInClientOrder() throws Exception {
        var n = negotiate(req("blksize", "1432", "tsize", "0"), 99);
        assertThat(n.acknowledged()).containsExactly(Map.entry("blksize", "1432"), Map.entry("tsize", "99"));
        assertThat(n.blockSize()).isEqualTo(1432);
    }

    @Test
    void blksizeIsClampedToTheServerMaximumAndTheRfcRange() throws Exception {
        assertThat(negotiate(req("blksize", "65464"), 1).acknowledged()).containsEntry("blksize", "1468");
        assertThat(TftpOptions.parse(req("blksize", "99999")).blockSize()).isEqualTo(65464);
        assertThat(TftpOptions.parse(req("blksize", "65464")).negotiate(Map.of("blksize", ""), 65464, 1, 1)
                .blockSize()).isEqualTo(65464);
        assertThat(negotiate(req("blksize", "8"), 1).blockSize()).isEqualTo(8);
        var tooSmall = negotiate(req("blksize", "7"), 1);
        assertThat(tooSmall.hasOack()).isFalse();
        assertThat(tooSmall.blockSize()).isEqualTo(512);
    }

    @Test
    void windowsizeServerValueNeverExceedsTheClients() throws Exception {
        assertThat(negotiate(req("windowsize", "4"), 1).windowSize()).isEqualTo(4);
        var big = negotiate(req("windowsize", "65535"), 1);
        assertThat(big.windowSize()).isEqualTo(64);
        assertThat(big.acknowledged()).containsEntry("windowsize", "64");
        assertThat(negotiate(req("windowsize", "0"), 1).hasOack()).isFalse();
        assertThat(negotiate(req("windowsize", "65536"), 1).hasOack()).isFalse();
    }

    @Test
    void timeoutOutside1To255IsNotAcknowledged() throws Exception {
        assertThat(negotiate(req("timeout", "1"), 1).acknowledged()).containsEntry("timeout", "1");
        assertThat(negotiate(req("timeout", "255"), 1).timeoutSeconds()).isEqualTo(255);
        assertThat(negotiate(req("timeout", "0"), 1).hasOack()).isFalse();
        assertThat(negotiate(req("timeout", "256"), 1).hasOack()).isFalse();
    }

    @Test
    void tsizeForAnEmptyFileIsLeftOut() throws Exception {
        assertThat(negotiate(req("tsize", "0"), 0).hasOack()).isFalse();
        assertThat(negotiate(req("blksize", "1468", "tsize", "0"), 0).acknowledged())
                .containsExactly(Map.entry("blksize", "1468"));
    }

    @Test
    void unknownOptionsAreIgnored() throws Exception {
        assertThat(negotiate(req("multicast", "", "x-foo", "bar"), 10).hasOack()).isFalse();
    }

    @Test
    void nonNumericValuesNameTheOption() {
        for (String[] kv : new String[][] {{"blksize", "abc"}, {"tsize", ""}, {"windowsize", "-1"},
                {"timeout", "1.5"}, {"blksize", "99999999999999999999"}}) {
            assertThatThrownBy(() -> TftpOptions.parse(req(kv[0], kv[1])))
                    .isInstanceOf(TftpCodecException.class)
                    .satisfies(e -> assertThat(((TftpCodecException) e).field()).isEqualTo(kv[0]));
        }
    }
}
