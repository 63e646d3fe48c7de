package io.pxereimage.runtime.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import io.airlift.compress.zstd.ZstdInputStream;

/** How the bytes of an image are encoded on the wire and in the cache; the raw image is what lands on disk. */
public enum Compression {
    NONE, GZIP, ZSTD;

    /** The wire name: {@code none}, {@code gzip}, {@code zstd}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Compression parse(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "none", "raw" -> NONE;
            case "gzip", "gz" -> GZIP;
            case "zstd", "zst" -> ZSTD;
            default -> throw new IllegalArgumentException("compression: must be none, gzip or zstd, not '" + text
                    + "'");
        };
    }

    /** Guesses from the first bytes (gzip {@code 1f 8b}, zstd {@code 28 b5 2f fd}); NONE otherwise. */
    public static Compression sniff(byte[] head, int n) {
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The raw image read from {@code encoded}. */
    public InputStream decode(InputStream encoded) throws IOException {
        InputStream in = new BufferedInputStream(encoded, 1 << 16);
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case ZSTD -> new ZstdInputStream(in);
        };
    }
}
