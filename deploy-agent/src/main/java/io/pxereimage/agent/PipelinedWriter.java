package io.pxereimage.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes and writes buffers on a second thread while the caller downloads and decompresses the next ones, so the
 * network, the decompressor and SHA-256 + the disk overlap instead of taking turns. Buffers are written in order,
 * so the running hash is the hash of the raw image.
 */
final class PipelinedWriter implements AutoCloseable {
    private record Chunk(byte[] data, int length, long position) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0, -1);

    private final FileChannel channel;
    private final MessageDigest sha;
    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private final Thread thread;
    private volatile Throwable failure;

    PipelinedWriter(FileChannel channel, MessageDigest sha, int buffers, int size) {
        this.channel = channel;
        this.sha = sha;
        this.free = new ArrayBlockingQueue<>(buffers);
        this.full = new ArrayBlockingQueue<>(buffers + 1);
        for (int i = 0; i < buffers; i++) {
            free.add(new byte[size]);
        }
        this.thread = new Thread(this::loop, "image-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** An empty buffer to fill; waits while all are queued for writing. */
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

    /** Waits until everything submitted is hashed and written; rethrows the writer's failure. */
    void finish() throws IOException, InterruptedException {
        full.put(END);
        thread.join();
        check();
    }

    private void loop() {
        try {
            while (true) {
                Chunk c = full.take();
                if (c == END) {
                    return;
                }
                if (failure == null) {
                    sha.update(c.data(), 0, c.length());
                    Wiper.writeFully(channel, ByteBuffer.wrap(c.data(), 0, c.length()), c.position());
                }
                free.put(c.data());
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            free.offer(new byte[0]); // wake a waiting take()
        } catch (InterruptedException e) {
            failure = e;
        }
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
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(5000);
        }
    }
}
