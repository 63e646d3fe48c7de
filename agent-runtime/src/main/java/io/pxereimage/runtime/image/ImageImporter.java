package io.pxereimage.runtime.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code image add}: computes what the catalog needs that the operator did not give, and for a remote image
 * fetches it into the cache first (keyed by the raw image's SHA-256, checked against an expected digest when one
 * was given), so the runtime serves only bytes it has verified.
 *
 * <p>Blocking (reads the whole image): callers run it off the network threads.
 */
public final class ImageImporter {
    private static final Logger LOG = LoggerFactory.getLogger(ImageImporter.class);

    /** What to add. {@code compression} and {@code expectedSha256} may be null (sniffed / computed). */
    public record Request(String name, String source, String compression, boolean blockMap, String expectedSha256) {
    }

    private final ImageCatalog catalog;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public ImageImporter(ImageCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /** @throws IllegalArgumentException with a {@code field: reason} message for a bad request */
    public ImageEntry add(Request r) throws IOException, InterruptedException {
        if (r.name() == null || !ImageCatalog.NAME.matcher(r.name()).matches()) {
            throw new IllegalArgumentException("name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
        }
        if (r.source() == null || r.source().isBlank()) {
            throw new IllegalArgumentException("source: a file path or an http(s) URL is required");
        }
        String expected = r.expectedSha256() == null ? null : r.expectedSha256().strip().toLowerCase();
        if (expected != null && !ImageCatalog.SHA256.matcher(expected).matches()) {
            throw new IllegalArgumentException("sha256: 64 hex digits");
        }
        Compression given = Compression.parse(r.compression());
        boolean remote = r.source().startsWith("http://") || r.source().startsWith("https://");
        Path file = remote ? download(r.source()) : Path.of(r.source()).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("source: not a readable regular file: " + file);
        }
        try {
            Compression c = given != null ? given : sniff(file);
            long t0 = System.nanoTime();
            ImageScan.Result scan;
            try (InputStream raw = c.decode(Files.newInputStream(file))) {
                scan = ImageScan.scan(raw, r.blockMap());
            } catch (IOException e) {
                throw new IllegalArgumentException("source: cannot read it as " + c.wire() + ": " + e.getMessage());
            }
            if (expected != null && !expected.equals(scan.sha256())) {
                throw new IllegalArgumentException("sha256: the raw image hashes to " + scan.sha256()
                        + ", not the expected " + expected);
            }
            String source = remote ? r.source() : file.toString();
            if (remote) {
                Files.move(file, catalog.cacheDir().resolve(scan.sha256()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            ImageEntry entry = new ImageEntry(r.name(), source, scan.sha256(), scan.sizeBytes(), c.wire(),
                    Files.size(catalog.fileFor(scan.sha256()).orElse(Path.of(source))), scan.blockMap(),
                    clock.instant());
            catalog.put(entry);
            LOG.info("image {} added: {} bytes raw, {}, sha256 {}, {} used ranges, scanned in {} ms", r.name(),
                    scan.sizeBytes(), c.wire(), scan.sha256(), scan.blockMap().size(),
                    (System.nanoTime() - t0) / 1_000_000);
            return entry;
        } finally {
            if (remote) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static Compression sniff(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = new byte[4];
            return Compression.sniff(head, in.readNBytes(head, 0, 4));
        }
    }

    /** Fetches {@code url} into a temporary file in the cache directory. */
    private Path download(String url) throws IOException, InterruptedException {
        Files.createDirectories(catalog.cacheDir());
        Path part = Files.createTempFile(catalog.cacheDir(), "fetch-", ".part");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("source: not a valid URL");
        }
        HttpResponse<Path> resp = http.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofFile(part));
        if (resp.statusCode() != 200) {
            Files.deleteIfExists(part);
            throw new IllegalArgumentException("source: GET answered " + resp.statusCode());
        }
        LOG.info("image fetched from {} ({} bytes)", url, Files.size(part));
        return part;
    }
}
