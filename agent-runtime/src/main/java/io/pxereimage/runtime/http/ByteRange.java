package io.pxereimage.runtime.http;

/**
 * A single HTTP byte range (RFC 9110 section 14) resolved against a file length. Pure: no I/O.
 *
 * <p>Only one range per request is honoured. A header this class does not understand (another unit, several
 * ranges, bad syntax) is ignored and the whole file is served, which RFC 9110 allows ("a server MAY ignore the
 * Range header field").
 *
 * @param first first byte offset, inclusive
 * @param last last byte offset, inclusive
 */
public record ByteRange(long first, long last) {

    /** What a Range header asks of a file of a given length. */
    public sealed interface Result permits Whole, Partial, Unsatisfiable {
    }

    /** No (usable) Range header: send the whole file with 200. */
    public record Whole() implements Result {
    }

    /** Send {@code range} with 206. */
    public record Partial(ByteRange range) implements Result {
    }

    /** 416 with {@code Content-Range: bytes *}{@code /length}. */
    public record Unsatisfiable() implements Result {
    }

    public long length() {
        return last - first + 1;
    }

    /** The {@code Content-Range} value for a 206 answer. */
    public String contentRange(long fileLength) {
        return "bytes " + first + "-" + last + "/" + fileLength;
    }

    /**
     * @param header the Range header value, or {@code null}
     * @param fileLength the file's length in bytes
     */
    public static Result parse(String header, long fileLength) {
        if (header == null) {
            return new Whole();
        }
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return new Whole();
        }
        String spec = h.substring(6).strip();
        if (spec.indexOf(',') >= 0) {
            return new Whole(); // several ranges: multipart/byteranges is not worth it for boot files
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        if (a.isEmpty()) {
            // Suffix range "-N": the last N bytes.
            long n = number(b);
            if (n < 0) {
                return new Whole();
            }
            if (n == 0 || fileLength == 0) {
                return new Unsatisfiable();
            }
            return new Partial(new ByteRange(Math.max(0, fileLength - n), fileLength - 1));
        }
        long first = number(a);
        if (first < 0) {
            return new Whole();
        }
        long last;
        if (b.isEmpty()) {
            last = fileLength - 1;
        } else {
            last = number(b);
            if (last < 0 || last < first) {
                return new Whole(); // syntactically invalid: ignore
            }
        }
        if (first >= fileLength) {
            return new Unsatisfiable();
        }
        return new Partial(new ByteRange(first, Math.min(last, fileLength - 1)));
    }

    /** A non-negative decimal, or -1 when {@code s} is not one (or overflows). */
    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
