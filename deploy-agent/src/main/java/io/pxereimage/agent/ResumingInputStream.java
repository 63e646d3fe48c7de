package io.pxereimage.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The bytes {@code [start, end)} of a URL as one stream that survives broken connections: on an I/O error, a
 * premature end or a stall it re-requests {@code Range: bytes=<next byte>-} and carries on. The resume happens
 * below any decompressor, so the decompressor, the writer and the running SHA-256 see exactly the byte sequence of
 * an uninterrupted download (and the downloaded prefix is never fetched again).
 */
final class ResumingInputStream extends InputStream {
    private final HttpClient http;
    private final URI uri;
    private final long end;
    private final int maxRetries;
    private final Backoff backoff;
    private final Duration stallTimeout;
    private final Consumer<String> log;
    /** One daemon thread watches every download (block maps open one stream per range). */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> watch;
    private final Thread reader = Thread.currentThread();

    private InputStream body;
    private long position;
    private long knownEnd;
    private String etag;
    private int failures;
    private final Object guard = new Object();
    private volatile long lastByteAt = System.nanoTime();
    private boolean inRead;
    private boolean stalled;
    private boolean stallSeen;

    /** {@code end} is exclusive; -1 means "to the end of the resource". */
    ResumingInputStream(HttpClient http, URI uri, long start, long end, int maxRetries, Backoff backoff,
            Duration stallTimeout, Consumer<String> log) {
        this.http = http;
        this.uri = uri;
        this.position = start;
        this.end = end;
        this.knownEnd = end;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.stallTimeout = stallTimeout;
        this.log = log;
        long period = Math.max(100, stallTimeout.toMillis() / 4);
        this.watch = WATCHDOG.scheduleAtFixedRate(this::checkStall, period, period, TimeUnit.MILLISECONDS);
    }

    /** Bytes {@code [start, end)} of {@code uri} with the agent's retry, backoff and stall settings. */
    static ResumingInputStream open(AgentConfig config, HttpClient http, URI uri, long start, long end,
            Consumer<String> log) {
        return new ResumingInputStream(http, uri, start, end, config.resumeRetries,
                new Backoff(config.backoffBase, config.backoffMax), config.stallTimeout, log);
    }

    /** The absolute offset of the next byte this stream returns. */
    long position() {
        return position;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (knownEnd >= 0 && position >= knownEnd) {
                return -1;
            }
            try {
                int n;
                enterGuard();
                try {
                    if (body == null) {
                        open();
                    }
                    int want = knownEnd >= 0 ? (int) Math.min(len, knownEnd - position) : len;
                    n = body.read(b, off, want);
                } finally {
                    leaveGuard();
                }
                if (n < 0) {
                    if (knownEnd < 0) {
                        return -1;
                    }
                    throw new IOException("connection ended at byte " + position + " of " + knownEnd);
                }
                position += n;
                failures = 0;
                return n;
            } catch (IOException e) {
                if (e instanceof RangeNotSatisfied) {
                    throw e;
                }
                recover(e, stallSeen);
            }
        }
    }

    /** The watchdog may interrupt the reader only between these two calls (never during a disk write). */
    private void enterGuard() {
        synchronized (guard) {
            lastByteAt = System.nanoTime();
            inRead = true;
            stallSeen = false;
        }
    }

    private void leaveGuard() {
        synchronized (guard) {
            inRead = false;
            if (stalled) {
                stalled = false;
                stallSeen = true;
                Thread.interrupted(); // the watchdog's interrupt, not a request to stop
            }
        }
    }

    private void recover(IOException e, boolean wasStall) throws IOException {
        if (!wasStall && Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("download interrupted at byte " + position);
        }
        closeBody();
        if (++failures > maxRetries) {
            throw new IOException("download failed at byte " + position + " after " + maxRetries + " retries: "
                    + (wasStall ? "stalled" : e.getMessage()), e);
        }
        long delay = backoff.nextMillis();
        log.accept("connection lost at byte " + position + " (" + (wasStall ? "no data for " + stallTimeout.toSeconds()
                + " s" : e.getMessage()) + "); resuming at byte " + position + " (Range) in " + delay + " ms, retry "
                + failures + "/" + maxRetries);
        try {
            Thread.sleep(delay);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download interrupted at byte " + position);
        }
    }

    private void open() throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET();
        boolean ranged = position > 0 || end >= 0;
        if (ranged) {
            req.header("Range", "bytes=" + position + "-" + (end >= 0 ? String.valueOf(end - 1) : ""));
        }
        lastByteAt = System.nanoTime();
        HttpResponse<InputStream> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            // leaveGuard() tells a watchdog interrupt (retry) from a stop (give up)
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for response headers");
        }
        int status = r.statusCode();
        InputStream in = r.body();
        String tag = r.headers().firstValue("ETag").orElse(null);
        if (etag != null && tag != null && !etag.equals(tag)) {
            in.close();
            throw new RangeNotSatisfied("image changed on the server (ETag " + etag + " -> " + tag + ")");
        }
        etag = etag == null ? tag : etag;
        if (status == 206) {
            long[] cr = contentRange(r.headers().firstValue("Content-Range"));
            if (cr == null || cr[0] != position) {
                in.close();
                throw new IOException("server answered a range that starts elsewhere: "
                        + r.headers().firstValue("Content-Range").orElse("none"));
            }
            if (knownEnd < 0 && cr[1] >= 0) {
                knownEnd = cr[1];
            }
        } else if (status == 200) {
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (knownEnd < 0 && length >= 0) {
                knownEnd = length;
            }
            if (ranged) {
                // Range ignored: skip what we already have rather than restart the writer from zero
                log.accept("server ignored Range; skipping " + position + " bytes");
                long skip = position;
                while (skip > 0) {
                    long n = in.skip(skip);
                    if (n <= 0) {
                        if (in.read() < 0) {
                            in.close();
                            throw new IOException("short body while skipping to byte " + position);
                        }
                        n = 1;
                    }
                    skip -= n;
                }
            }
        } else if (status == 416) {
            in.close();
            throw new RangeNotSatisfied("HTTP 416 for bytes " + position + "- of " + uri);
        } else {
            in.close();
            throw new IOException("HTTP " + status + " for " + uri);
        }
        body = in;
    }

    /** {@code bytes a-b/total}: returns {a, total or -1}. */
    private static long[] contentRange(Optional<String> header) {
        if (header.isEmpty()) {
            return null;
        }
        String v = header.get().trim();
        if (!v.startsWith("bytes ")) {
            return null;
        }
        try {
            String[] parts = v.substring(6).split("[-/]");
            long total = parts[2].equals("*") ? -1 : Long.parseLong(parts[2]);
            return new long[] {Long.parseLong(parts[0]), total};
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void checkStall() {
        synchronized (guard) {
            if (inRead && !stalled && System.nanoTime() - lastByteAt > stallTimeout.toNanos()) {
                stalled = true;
                reader.interrupt();
            }
        }
    }

    private void closeBody() {
        InputStream in = body;
        body = null;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is gone anyway
            }
        }
    }

    @Override
    public void close() {
        watch.cancel(false);
        closeBody();
    }

    /** Not worth retrying: the server cannot give us the rest of this image. */
    static final class RangeNotSatisfied extends IOException {
        RangeNotSatisfied(String message) {
            super(message);
        }
    }
}
