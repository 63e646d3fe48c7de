package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Serves regular files below one directory. Symlinks are followed only while their target stays inside the
 * root: the resolved {@link Path#toRealPath real path} must start with the root's real path, otherwise ERROR 2.
 */
public final class RootDirectorySource implements TftpFileSource {
    private final Path root;

    public RootDirectorySource(Path root) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException("TFTP root is not a directory: " + root);
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public Resolution resolve(String name) throws IOException {
        Path candidate = root.resolve(name).normalize();
        if (!candidate.startsWith(root)) {
            return new Denied("outside root");
        }
        if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
            return new NotFound("no such file");
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            // A dangling symlink: report it like a missing file, GRUB and iPXE probe optional names.
            return new NotFound("dangling link");
        }
        if (!real.startsWith(root)) {
            return new Denied("link resolves outside root");
        }
        if (!Files.isRegularFile(real)) {
            return new Denied("not a regular file");
        }
        if (!Files.isReadable(real)) {
            return new Denied("not readable");
        }
        FileChannel ch = FileChannel.open(real, StandardOpenOption.READ);
        try {
            return new Found(ch, ch.size());
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "RootDirectorySource[" + root + "]";
    }
}
