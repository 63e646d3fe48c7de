package io.pxereimage.runtime.tftp;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.Objects;

/**
 * Decides what a TFTP read request gets. The server calls {@link #resolve} once per RRQ on an I/O thread, so it
 * must be quick and must not block on the network. The name is already normalised by {@link TftpPaths}: relative,
 * '/'-separated, no {@code .} or {@code ..} components.
 */
public interface TftpFileSource {

    Resolution resolve(String name) throws IOException;

    /** The answer to a request: a readable file, not found (ERROR 1) or access denied (ERROR 2). */
    sealed interface Resolution permits Found, NotFound, Denied {
    }

    /**
     * A file to send. The server reads it with {@code position()} + {@code read()} (so it can resend a window)
     * and closes it when the transfer ends; {@code size} answers tsize and bounds the transfer.
     */
    record Found(SeekableByteChannel channel, long size) implements Resolution, Closeable {
        public Found {
            Objects.requireNonNull(channel, "channel");
            if (size < 0) {
                throw new IllegalArgumentException("size < 0");
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    record NotFound(String reason) implements Resolution {
    }

    record Denied(String reason) implements Resolution {
    }
}
