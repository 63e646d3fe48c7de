package io.pxereimage.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes and writes buffers on two more threads while the caller downloads and decompresses the next ones, so the
 * network, the decompressor, SHA-256 and the disk overlap instead of taking turns. Hashing and writing are separate
 * stages: on one thread they took turns, and that thread was the bottleneck (JFR: the image writer almost never
 * waited; SHA-256 and pwrite each took about half of its time). Every stage handles buffers in order, so the
 * running hash is the hash of the raw image.
 */
final class PipelinedWriter implements AutoCloseable {
    private record Chunk(byte[] data, int length, long position) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0, -1);

    private final FileChannel channel;
    private final MessageDigest sha;
    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private final BlockingQueue<Chunk> hashed;
    private final Thread hasher;
    private final Thread writer;
    private volatile Throwable failure;

    PipelinedWriter(FileChannel channel, MessageDigest sha, int buffers, int size) {
        this.channel = channel;
        this.sha = sha;
        this.free = new ArrayBlockingQueue<>(buffers + 1);
        this.full = new ArrayBlockingQueue<>(buffers + 1);
        this.hashed = new ArrayBlockingQueue<>(buffers + 1);
        for (int i = 0; i < buffers; i++) {
            free.add(new byte[size]);
        }
        this.hasher = start(this::hashLoop, "image-hasher");
        this.writer = start(this::writeLoop, "image-writer");
    }

    private static Thread start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** An empty buffer to fill; waits while all are queued for hashing and writing. */
    byte[] take() throws IOException, InterruptedException {
        check();
        byte[] b = free.take();
        check();
        return b;
    }

    void submit(byte[] data, int length, long position) throws IOException, InterruptedException {
        check();
        full.put(new Chunk(data, length, position));
    }

    /** Waits until everything submitted is hashed and written; rethrows a stage's failure. */
    void finish() throws IOException, InterruptedException {
        full.put(END);
        hasher.join();
        writer.join();
        check();
    }

    private void hashLoop() {
        try {
            while (true) {
                Chunk c = full.take();
                if (c != END && failure == null) {
                    try {
                        sha.update(c.data(), 0, c.length());
                    } catch (RuntimeException e) {
                        fail(e);
                    }
                }
                hashed.put(c);
                if (c == END) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            fail(e);
        }
    }

    /** After a failure it keeps draining (without writing), so no stage blocks on a full queue. */
    private void writeLoop() {
        try {
            while (true) {
                Chunk c = hashed.take();
                if (c == END) {
                    return;
                }
                if (failure == null) {
                    try {
                        Wiper.writeFully(channel, ByteBuffer.wrap(c.data(), 0, c.length()), c.position());
                    } catch (IOException | RuntimeException e) {
                        fail(e);
                    }
                }
                free.put(c.data());
            }
        } catch (InterruptedException e) {
            fail(e);
        }
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        free.offer(new byte[0]); // wake a waiting take()
    }

    private void check() throws IOException {
        Throwable f = failure;
        if (f instanceof IOException io) {
            throw new IOException("writing the image failed: " + io.getMessage(), io);
        } else if (f != null) {
            throw new IOException("writing the image failed: " + f, f);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Thread t : new Thread[] {hasher, writer}) {
            if (t.isAlive()) {
                t.interrupt();
                t.join(5000);
            }
        }
    }
}
