package io.pxereimage.runtime.image;

import java.time.Instant;
import java.util.List;

import io.pxereimage.protocol.Job.BlockRange;

/**
 * One image in the catalog.
 *
 * @param name what operators call it ({@code pxe-runtime reimage m1 --image NAME})
 * @param source the file it was added from, or the http(s) URL it was fetched from
 * @param sha256 hex SHA-256 of the raw (decompressed) image; also its key in the cache and its URL
 *               ({@code /images/<sha256>})
 * @param sizeBytes size of the raw image
 * @param compression how the served bytes are encoded ({@code none}, {@code gzip}, {@code zstd})
 * @param storedBytes size of the served (possibly compressed) file
 * @param blockMap used ranges of the raw image; empty means "write all of it"
 * @param added when it entered the catalog
 */
public record ImageEntry(String name, String source, String sha256, long sizeBytes, String compression,
        long storedBytes, List<BlockRange> blockMap, Instant added) {
    public ImageEntry {
        blockMap = blockMap == null ? List.of() : List.copyOf(blockMap);
    }

    public boolean remote() {
        return source.startsWith("http://") || source.startsWith("https://");
    }
}
