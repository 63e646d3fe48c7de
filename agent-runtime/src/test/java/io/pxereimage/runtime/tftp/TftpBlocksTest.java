package io.pxereimage.runtime.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TftpBlocksTest {

    @Test
    void wireNumberWrapsFrom65535To0() {
        assertThat(TftpBlocks.wire(1)).isEqualTo(1);
        assertThat(TftpBlocks.wire(65535)).isEqualTo(65535);
        assertThat(TftpBlocks.wire(65536)).isZero();
        assertThat(TftpBlocks.wire(65537)).isEqualTo(1);
        assertThat(TftpBlocks.wire(3L * 65536 + 5)).isEqualTo(5);
    }

    @Test
    void ackMapsOntoTheIndexAtOrAfterTheLastAck() {
        assertThat(TftpBlocks.ackedIndex(5, 4)).isEqualTo(5);
        assertThat(TftpBlocks.ackedIndex(4, 4)).isEqualTo(4);
        assertThat(TftpBlocks.ackedIndex(0, 65535)).isEqualTo(65536);
        assertThat(TftpBlocks.ackedIndex(2, 65534)).isEqualTo(65538);
        assertThat(TftpBlocks.ackedIndex(65535, 65533)).isEqualTo(65535);
        assertThat(TftpBlocks.ackedIndex(1, 2 * 65536L + 65530)).isEqualTo(3 * 65536L + 1);
    }

    @Test
    void anAckOlderThanTheLastAckLooksLikeTheFarFutureSoCallersRejectIt() {
        // ACK 3 after ACK 4 was processed: maps 65535 blocks ahead, beyond anything sent.
        assertThat(TftpBlocks.ackedIndex(3, 4)).isEqualTo(4 + 65535);
    }

    @Test
    void blockCountAlwaysEndsWithAShortBlock() {
        assertThat(TftpBlocks.blockCount(0, 512)).isEqualTo(1);
        assertThat(TftpBlocks.blockCount(511, 512)).isEqualTo(1);
        assertThat(TftpBlocks.blockCount(512, 512)).isEqualTo(2);
        assertThat(TftpBlocks.blockCount(65536L * 512 + 1000, 512)).isEqualTo(65536 + 2);
    }
}
