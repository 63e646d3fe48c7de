package io.pxereimage.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the iPXE builds into a directory the runtime owns before serving them.
 *
 * <p>Why: the TFTP and HTTP servers refuse symlinks that leave their root (a path-escape guard), and Debian's
 * {@code /usr/lib/ipxe/ipxe.efi} is exactly such a link (to {@code /boot/ipxe.efi}). The admin chose the source
 * directory, so following its links once, here, is safe; serving a root full of outward links would not be.
 * Unchanged files (same size and modification time) are not copied again.
 */
final class LoaderDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(LoaderDirectory.class);
    /** Loaders are small (iPXE is under 1 MiB); anything huge in the source directory is not one. */
    private static final long MAX_FILE = 64L << 20;

    private LoaderDirectory() {
    }

    /** Mirrors the regular files under {@code source} (links followed) into {@code target}; returns {@code target}. */
    static Path stage(Path source, Path target) throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException("loader directory " + source + " does not exist (install Debian's ipxe package?)");
        }
        Files.createDirectories(target);
        int copied = 0;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source, 4)) {
            files = walk.filter(p -> Files.isRegularFile(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .toList();
        }
        for (Path file : files) {
            Path dest = target.resolve(source.relativize(file).toString());
            long size = Files.size(file);
            if (size > MAX_FILE || (Files.exists(dest) && Files.size(dest) == size
                    && Files.getLastModifiedTime(dest).equals(Files.getLastModifiedTime(file)))) {
                continue;
            }
            Files.createDirectories(dest.getParent());
            Path tmp = dest.resolveSibling(dest.getFileName() + ".tmp");
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            copied++;
        }
        LOG.info("loaders from {} staged in {} ({} files, {} updated)", source, target, files.size(), copied);
        return target;
    }
}
