package io.pxereimage.runtime.tftp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options a client asked for, already range-checked; {@code 0} means "not requested".
 *
 * <ul>
 *   <li>{@code blksize} (RFC 2348): valid 8..65464. Below 8 the option is ignored; above 65464 it is treated as
 *       65464 (the server may always answer with a smaller value).</li>
 *   <li>{@code timeout} (RFC 2349): seconds 1..255, otherwise ignored.</li>
 *   <li>{@code tsize} (RFC 2349): in a RRQ the client sends 0 and the server answers with the size.</li>
 *   <li>{@code windowsize} (RFC 7440): 1..65535, otherwise ignored.</li>
 * </ul>
 * Unknown options are ignored (RFC 2347). A value that is not a decimal number is malformed: it raises a
 * {@link TftpCodecException} naming the option, which the server answers with ERROR 8.
 */
public record TftpOptions(int blockSize, int timeoutSeconds, boolean tsize, int windowSize) {
    public static final int MIN_BLOCK_SIZE = 8;
    public static final int MAX_BLOCK_SIZE = 65464;
    public static final int DEFAULT_BLOCK_SIZE = 512;
    public static final int MAX_WINDOW_SIZE = 65535;

    public static final String BLKSIZE = "blksize";
    public static final String TIMEOUT = "timeout";
    public static final String TSIZE = "tsize";
    public static final String WINDOWSIZE = "windowsize";

    public static final TftpOptions NONE = new TftpOptions(0, 0, false, 0);

    /** Parses the options of a request (names already lower-case, see {@link TftpPacket}). */
    public static TftpOptions parse(Map<String, String> options) throws TftpCodecException {
        int blk = 0;
        int timeout = 0;
        boolean tsize = false;
        int window = 0;
        for (Map.Entry<String, String> e : options.entrySet()) {
            switch (e.getKey()) {
                case BLKSIZE: {
                    long v = number(e);
                    blk = v < MIN_BLOCK_SIZE ? 0 : (int) Math.min(v, MAX_BLOCK_SIZE);
                    break;
                }
                case TIMEOUT: {
                    long v = number(e);
                    timeout = v >= 1 && v <= 255 ? (int) v : 0;
                    break;
                }
                case TSIZE:
                    number(e);
                    tsize = true;
                    break;
                case WINDOWSIZE: {
                    long v = number(e);
                    window = v >= 1 && v <= MAX_WINDOW_SIZE ? (int) v : 0;
                    break;
                }
                default:
                    break;
            }
        }
        return new TftpOptions(blk, timeout, tsize, window);
    }

    /**
     * What the server grants. The OACK lists only options the client asked for and the server accepted
     * (RFC 2347); an empty map means "send no OACK, start with DATA 1".
     */
    public record Negotiation(int blockSize, int windowSize, int timeoutSeconds, Map<String, String> acknowledged) {
        public boolean hasOack() {
            return !acknowledged.isEmpty();
        }
    }

    /**
     * Negotiates against the server limits. The block size is clamped to {@code maxBlockSize} (RFC 2348 lets the
     * server answer with a smaller value); the window to {@code maxWindowSize} (RFC 7440: server value <= client
     * value). {@code fileSize} is the tsize answer; tsize is not acknowledged for an unknown (negative) or zero size.
     */
    public Negotiation negotiate(Map<String, String> requestOrder, int maxBlockSize, int maxWindowSize,
                                 long fileSize) {
        int blk = blockSize == 0 ? DEFAULT_BLOCK_SIZE : Math.min(blockSize, maxBlockSize);
        int win = windowSize == 0 ? 1 : Math.min(windowSize, maxWindowSize);
        Map<String, String> ack = new LinkedHashMap<>();
        for (String name : requestOrder.keySet()) {
            switch (name) {
                case BLKSIZE:
                    if (blockSize != 0) {
                        ack.put(BLKSIZE, Integer.toString(blk));
                    }
                    break;
                case TIMEOUT:
                    if (timeoutSeconds != 0) {
                        ack.put(TIMEOUT, Integer.toString(timeoutSeconds));
                    }
                    break;
                case TSIZE:
                    // Not for empty files: curl rejects "tsize 0" in an OACK as illegal (exit 71), and leaving
                    // an option out is always allowed (RFC 2347). The client still sees the size: one empty block.
                    if (tsize && fileSize > 0) {
                        ack.put(TSIZE, Long.toString(fileSize));
                    }
                    break;
                case WINDOWSIZE:
                    if (windowSize != 0) {
                        ack.put(WINDOWSIZE, Integer.toString(win));
                    }
                    break;
                default:
                    break;
            }
        }
        return new Negotiation(blk, win, timeoutSeconds, Collections.unmodifiableMap(ack));
    }

    private static long number(Map.Entry<String, String> e) throws TftpCodecException {
        String s = e.getValue();
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new TftpCodecException(e.getKey(), "not a decimal number: '" + s + "'");
        }
        return Long.parseLong(s);
    }
}
