package io.pxereimage.runtime.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A directory served read-only over HTTP, with strict confinement: a request can only reach regular files whose
 * real path (symlinks resolved) lies under the root's real path. Directories are never listed.
 *
 * <p>Checks happen in two steps because each catches what the other cannot: {@link #segments} refuses the
 * request syntax ({@code ..}, backslashes, absolute paths, control characters) before touching the disk, and the
 * {@code toRealPath} comparison refuses symlinks that point out of the root.
 */
public final class FileRoot {

    /** The outcome of a look-up; {@code reason} is short and safe to send to the client. */
    public sealed interface Lookup permits Found, NotFound, Forbidden {
    }

    public record Found(Path file, BasicFileAttributes attributes) implements Lookup {
    }

    public record NotFound(String reason) implements Lookup {
    }

    public record Forbidden(String reason) implements Lookup {
    }

    private final Path root;

    public FileRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * @param relative the percent-decoded path below the route prefix, e.g. {@code images/vmlinuz}
     */
    public Lookup resolve(String relative) {
        String[] segments = segments(relative);
        if (segments == null) {
            return new Forbidden("path not allowed");
        }
        Path candidate = root;
        for (String s : segments) {
            candidate = candidate.resolve(s);
        }
        if (!candidate.normalize().startsWith(root)) {
            return new Forbidden("path not allowed"); // unreachable after segments(), kept as a second fence
        }
        Path rootReal;
        Path real;
        try {
            rootReal = root.toRealPath();
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            return new NotFound("no such file");
        } catch (IOException | SecurityException e) {
            return new NotFound("no such file");
        }
        if (!real.startsWith(rootReal)) {
            return new Forbidden("path leaves the served directory");
        }
        return regularFile(real);
    }

    /** Attributes of a regular, readable file, or why it cannot be served. Used for published files too. */
    static Lookup regularFile(Path real) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                return new NotFound("not a file");
            }
            if (!Files.isReadable(real)) {
                return new Forbidden("not readable");
            }
            return new Found(real, attrs);
        } catch (IOException | SecurityException e) {
            return new NotFound("no such file");
        }
    }

    /**
     * The segments of a relative request path, or {@code null} when the path is not acceptable: empty, absolute,
     * with empty, {@code .} or {@code ..} segments, backslashes (Windows-style separators some TFTP/HTTP clients
     * send, never legitimate here) or control characters (NUL truncation tricks).
     */
    public static String[] segments(String relative) {
        if (relative == null || relative.isEmpty() || relative.startsWith("/")) {
            return null;
        }
        for (int i = 0; i < relative.length(); i++) {
            char c = relative.charAt(i);
            if (c == '\\' || c < 0x20 || c == 0x7f) {
                return null;
            }
        }
        String[] parts = relative.split("/", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals("..")) {
                return null;
            }
        }
        return parts;
    }
}
