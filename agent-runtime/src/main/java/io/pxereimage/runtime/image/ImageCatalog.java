package io.pxereimage.runtime.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.device.Json;

/**
 * The images the runtime can deploy, by name, kept in {@code images.json} in the data directory. Remote images
 * live in the cache directory ({@code images/<sha256>}), local ones are served from where they were added.
 */
public final class ImageCatalog {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(ImageCatalog.class);

    private final Path file;
    private final Path cacheDir;
    private final Map<String, ImageEntry> byName = new TreeMap<>();

    /** @param dataDir holds {@code images.json} and the cache {@code images/} */
    public ImageCatalog(Path dataDir) {
        this.file = dataDir.resolve("images.json");
        this.cacheDir = dataDir.resolve("images");
        load();
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public synchronized List<ImageEntry> list() {
        return new ArrayList<>(byName.values());
    }

    public synchronized Optional<ImageEntry> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public synchronized Optional<ImageEntry> bySha256(String sha256) {
        return byName.values().stream().filter(e -> e.sha256().equals(sha256)).findFirst();
    }

    /** Adds or replaces by name, and writes the catalog. */
    public synchronized void put(ImageEntry entry) throws IOException {
        byName.put(entry.name(), entry);
        Json.writeAtomically(file, new ArrayList<>(byName.values()));
    }

    /**
     * The file served at {@code /images/<sha256>}: the cached copy of a remote image, else the source file of a
     * local one; empty when unknown or missing (the caller answers 404).
     */
    public Optional<Path> fileFor(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        Path cached = cacheDir.resolve(sha256);
        if (Files.isRegularFile(cached)) {
            return Optional.of(cached);
        }
        return bySha256(sha256).filter(e -> !e.remote()).map(e -> Path.of(e.source()))
                .filter(Files::isRegularFile);
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<ImageEntry> stored = Json.MAPPER.readValue(file.toFile(),
                    Json.MAPPER.getTypeFactory().constructCollectionType(List.class, ImageEntry.class));
            stored.forEach(e -> byName.put(e.name(), e));
        } catch (IOException | RuntimeException e) {
            LOG.warn("images: cannot read {} ({}), starting with an empty catalog", file, e.getMessage());
        }
    }
}
