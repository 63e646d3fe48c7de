package io.pxereimage.runtime.store;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An append-only file of one JSON record per line ({@code events.jsonl}, {@code audit.jsonl}): opened for APPEND
 * only, flushed line by line, never rewritten; read back at start, skipping a line torn by a crash. A failing disk
 * is logged, never thrown at the caller: losing a log line must not fail the action it records.
 *
 * @param <T> the record type (Jackson-mapped)
 */
public final class JsonLinesFile<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesFile.class);

    private final Path file;
    private final Class<T> type;
    private final ObjectMapper json;
    private BufferedWriter out;

    public JsonLinesFile(Path file, Class<T> type, ObjectMapper json) {
        this.file = file;
        this.type = type;
        this.json = json;
    }

    /** The file's last {@code max} records, oldest first (none when it does not exist yet). */
    public Deque<T> tail(int max) {
        Deque<T> records = new ArrayDeque<>();
        if (!Files.exists(file)) {
            return records;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    records.addLast(json.readValue(line, type));
                } catch (IOException torn) {
                    continue; // a torn last line after a crash
                }
                if (records.size() > max) {
                    records.removeFirst();
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.getMessage());
        }
        return records;
    }

    public synchronized void append(T record) {
        try {
            if (out == null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            out.write(json.writeValueAsString(record));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            LOG.warn("cannot append to {}: {}", file, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // every line was flushed as it was written
            }
            out = null;
        }
    }
}
