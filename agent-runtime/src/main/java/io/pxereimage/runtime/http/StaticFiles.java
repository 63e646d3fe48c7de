package io.pxereimage.runtime.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code /files/**} (the files root plus files published by name) and {@code /loaders/**} (iPXE binaries).
 *
 * <p>Published files are the one way to serve something outside the roots: {@code pxe-runtime boot KERNEL
 * INITRD} publishes whatever paths it was given, wherever they live. Only the exact published names resolve to
 * them, so publishing never opens a directory.
 */
final class StaticFiles {
    private static final Logger LOG = LoggerFactory.getLogger(StaticFiles.class);

    private final FileRoot files;
    private final FileRoot loaders;
    private final ConcurrentMap<String, Path> published = new ConcurrentHashMap<>();

    StaticFiles(Path filesRoot, Path loaderDir) {
        this.files = filesRoot == null ? null : new FileRoot(filesRoot);
        this.loaders = loaderDir == null ? null : new FileRoot(loaderDir);
    }

    void publish(String name, Path file) {
        Objects.requireNonNull(file, "file");
        if (FileRoot.segments(name) == null) {
            throw new IllegalArgumentException("not a publishable name (relative, no '.', '..' or '\\'): " + name);
        }
        // Fail at publish time, where the operator typed the path, rather than at boot time in a 404.
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot publish " + file + ": not a readable regular file");
        }
        published.put(name, file.toAbsolutePath());
    }

    boolean unpublish(String name) {
        return published.remove(name) != null;
    }

    Map<String, Path> published() {
        return new TreeMap<>(published);
    }

    FileRoot.Lookup lookupFile(String relative) {
        if (relative.isEmpty() || relative.endsWith("/")) {
            return new FileRoot.NotFound("directories are not listed");
        }
        if (FileRoot.segments(relative) == null) {
            return new FileRoot.Forbidden("path not allowed");
        }
        Path p = published.get(relative);
        if (p != null) {
            try {
                return FileRoot.regularFile(p.toRealPath());
            } catch (IOException | SecurityException e) {
                return new FileRoot.NotFound("published file is missing");
            }
        }
        return files == null ? new FileRoot.NotFound("no such file") : files.resolve(relative);
    }

    FileRoot.Lookup lookupLoader(String relative) {
        if (relative.isEmpty() || relative.endsWith("/")) {
            return new FileRoot.NotFound("directories are not listed");
        }
        return loaders == null ? new FileRoot.NotFound("no such file") : loaders.resolve(relative);
    }

    void serve(Exchange ex, FileRoot.Lookup lookup, String range, String ifRange) {
        if (!ex.method.name().equals("GET") && !ex.method.name().equals("HEAD")) {
            ex.methodNotAllowed("GET, HEAD");
            return;
        }
        if (lookup instanceof FileRoot.Found f) {
            FileSender.send(ex, f.file(), f.attributes(), range, ifRange);
        } else if (lookup instanceof FileRoot.Forbidden f) {
            LOG.info("HTTP file {} 403: {} (from {})", printable(ex.path), f.reason(), Routes.remote(ex.ctx));
            ex.text(HttpResponseStatus.FORBIDDEN, f.reason());
        } else if (lookup instanceof FileRoot.NotFound f) {
            LOG.info("HTTP file {} 404: {} (from {})", printable(ex.path), f.reason(), Routes.remote(ex.ctx));
            ex.text(HttpResponseStatus.NOT_FOUND, f.reason());
        }
    }

    /** Request paths come from the network: keep control characters out of the log. */
    static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
