package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * TFTP server settings. Defaults:
 * <ul>
 *   <li>{@link #DEFAULT_PORT} 69 on the wildcard address;</li>
 *   <li>{@link #DEFAULT_MAX_BLOCK_SIZE} 1468 = Ethernet MTU 1500 - 32 (dnsmasq's rule: IP + UDP + TFTP headers),
 *       larger blocks fragment and break many PXE ROMs;</li>
 *   <li>{@link #DEFAULT_MAX_WINDOW_SIZE} 64 blocks (RFC 7440 windows; EDK2 asks 4);</li>
 *   <li>{@link #DEFAULT_TIMEOUT} 1 s before the first retransmission, doubled per retry up to 8x;</li>
 *   <li>{@link #DEFAULT_RETRIES} 5 retransmissions before the transfer is abandoned;</li>
 *   <li>{@link #DEFAULT_MAX_TRANSFERS} 256 concurrent transfers, more are refused with ERROR 0 "server busy".</li>
 * </ul>
 */
public record TftpConfig(InetAddress bindAddress, int port, TftpFileSource source, int maxBlockSize,
                         int maxWindowSize, Duration timeout, int retries, int maxTransfers) {
    public static final int DEFAULT_PORT = 69;
    public static final int DEFAULT_MAX_BLOCK_SIZE = 1468;
    public static final int DEFAULT_MAX_WINDOW_SIZE = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RETRIES = 5;
    public static final int DEFAULT_MAX_TRANSFERS = 256;

    public TftpConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(timeout, "timeout");
        check(port >= 0 && port <= 65535, "port 0..65535");
        check(maxBlockSize >= TftpOptions.DEFAULT_BLOCK_SIZE && maxBlockSize <= TftpOptions.MAX_BLOCK_SIZE,
                "maxBlockSize 512..65464");
        check(maxWindowSize >= 1 && maxWindowSize <= TftpOptions.MAX_WINDOW_SIZE, "maxWindowSize 1..65535");
        check(!timeout.isNegative() && !timeout.isZero(), "timeout > 0");
        check(retries >= 0, "retries >= 0");
        check(maxTransfers >= 1, "maxTransfers >= 1");
    }

    public static Builder builder(TftpFileSource source) {
        return new Builder(source);
    }

    /** A builder serving the regular files below {@code root}. */
    public static Builder builder(Path root) {
        try {
            return new Builder(new RootDirectorySource(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid TFTP config: " + what);
        }
    }

    public static final class Builder {
        private InetAddress bindAddress = wildcard();
        private int port = DEFAULT_PORT;
        private TftpFileSource source;
        private int maxBlockSize = DEFAULT_MAX_BLOCK_SIZE;
        private int maxWindowSize = DEFAULT_MAX_WINDOW_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int retries = DEFAULT_RETRIES;
        private int maxTransfers = DEFAULT_MAX_TRANSFERS;

        private Builder(TftpFileSource source) {
            this.source = source;
        }

        public Builder bindAddress(InetAddress v) {
            bindAddress = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder source(TftpFileSource v) {
            source = v;
            return this;
        }

        public Builder maxBlockSize(int v) {
            maxBlockSize = v;
            return this;
        }

        public Builder maxWindowSize(int v) {
            maxWindowSize = v;
            return this;
        }

        public Builder timeout(Duration v) {
            timeout = v;
            return this;
        }

        public Builder retries(int v) {
            retries = v;
            return this;
        }

        public Builder maxTransfers(int v) {
            maxTransfers = v;
            return this;
        }

        public TftpConfig build() {
            return new TftpConfig(bindAddress, port, source, maxBlockSize, maxWindowSize, timeout, retries,
                    maxTransfers);
        }

        private static InetAddress wildcard() {
            try {
                return InetAddress.getByAddress(new byte[4]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
