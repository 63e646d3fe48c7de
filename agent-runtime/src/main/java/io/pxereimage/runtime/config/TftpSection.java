package io.pxereimage.runtime.config;

/**
 * TFTP settings.
 *
 * @param port 69 by default; 0 turns TFTP off
 * @param root the directory served (the iPXE builds); default {@code /usr/lib/ipxe}
 * @param maxBlockSize the largest blksize granted (keep it within the path MTU minus 32)
 * @param maxWindowSize the largest RFC 7440 windowsize granted
 * @param maxTransfers concurrent transfers before new ones are refused
 */
public record TftpSection(Integer port, String root, Integer maxBlockSize, Integer maxWindowSize,
        Integer maxTransfers) {
    public TftpSection {
        port = Fields.port("port", port, 69);
        root = root == null ? "/usr/lib/ipxe" : root;
        maxBlockSize = Fields.range("maxBlockSize", maxBlockSize, 1468, 512, 65464);
        maxWindowSize = Fields.range("maxWindowSize", maxWindowSize, 64, 1, 65535);
        maxTransfers = Fields.range("maxTransfers", maxTransfers, 256, 1, 65535);
    }
}
