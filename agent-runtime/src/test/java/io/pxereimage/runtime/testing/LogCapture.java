package io.pxereimage.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what slf4j-simple prints (it writes to whatever {@code System.err} is at the time of each call), and
 * still passes it through so test output stays readable.
 */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    public String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Log lines are written after the response is flushed: wait briefly for one to show up. */
    public String awaitContaining(String needle) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!text().contains(needle) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return text();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
