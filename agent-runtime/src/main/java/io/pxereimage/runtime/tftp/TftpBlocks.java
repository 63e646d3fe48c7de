package io.pxereimage.runtime.tftp;

/**
 * Block-number arithmetic. Transfers count blocks with a {@code long} index (1 = first DATA block); the wire
 * carries the low 16 bits, so block 65535 is followed by block 0 (the rollover U-Boot, iPXE, curl and tftp-hpa
 * all accept; RFC 1350 does not define it).
 */
public final class TftpBlocks {
    private TftpBlocks() {
    }

    /** The 16-bit wire number of block {@code index}. */
    public static int wire(long index) {
        return (int) (index & 0xFFFF);
    }

    /**
     * Maps a 16-bit ACK number onto the block index it acknowledges, assuming the client can only acknowledge
     * blocks in {@code [lastAcked, lastAcked + 65535]}: the answer is {@code lastAcked + ((wire - lastAcked) mod
     * 65536)}. The caller rejects results beyond the last block it sent.
     */
    public static long ackedIndex(int wireAck, long lastAcked) {
        return lastAcked + ((wireAck - lastAcked) & 0xFFFF);
    }

    /** Number of DATA blocks for {@code size} bytes: always one more than full blocks (a short or empty last). */
    public static long blockCount(long size, int blockSize) {
        return size / blockSize + 1;
    }
}
