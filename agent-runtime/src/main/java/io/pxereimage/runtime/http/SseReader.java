package io.pxereimage.runtime.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a {@code text/event-stream} (the client side of {@link SseStream}): {@code id}, {@code event} and
 * {@code data} fields up to a blank line make one event; comment lines ({@code : keepalive}) and unknown fields
 * are skipped, as the SSE specification says. Used by the CLI and by the Jenkins plugin's runtime client.
 */
public final class SseReader {
    /** One event; a field it did not carry is null. Several {@code data} lines are joined with newlines. */
    public record Event(String id, String name, String data) {
    }

    private final BufferedReader reader;

    public SseReader(InputStream in) {
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event, or null when the stream has ended. Blocks until one arrives. */
    public Event next() throws IOException {
        String id = null;
        String name = null;
        StringBuilder data = null;
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (id != null || name != null || data != null) {
                    return new Event(id, name, data == null ? null : data.toString());
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            value = value.startsWith(" ") ? value.substring(1) : value;
            switch (field) {
                case "id" -> id = value;
                case "event" -> name = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                    // unknown fields are ignored
                }
            }
        }
        return null;
    }
}
