package io.pxereimage.runtime.device;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Random tokens and what may be said about them. A token is 256 random bits in lower-case hex (safe on a kernel
 * command line). Only digests are stored, only the {@link #fingerprint} (first 6 hex digits of the SHA-256) is
 * ever logged.
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Secrets() {
    }

    /** 256 random bits as 64 hex digits. */
    public static String newToken() {
        return randomHex(32);
    }

    public static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    public static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public static String sha256Hex(String s) {
        return HEX.formatHex(sha256(s));
    }

    /** What logs may show of a token: the first 6 hex digits of its SHA-256. */
    public static String fingerprint(String token) {
        return token == null ? "none" : sha256Hex(token).substring(0, 6);
    }

    /** Constant-time comparison of two hex digests (equal length by construction). */
    public static boolean digestsEqual(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII),
                b.getBytes(StandardCharsets.US_ASCII));
    }

    /** The token of an {@code Authorization: Bearer <token>} header, or {@code null}. */
    public static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.strip();
        if (h.length() <= 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String t = h.substring(7).strip();
        return t.isEmpty() ? null : t;
    }
}
