package io.pxereimage.runtime.config;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Where each field of a YAML document starts, by path ({@code machines[1].mac}). Jackson reports a record's
 * validation error at the end of the enclosing object; this index lets the loader point at the field itself.
 */
final class YamlLocations {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private final Map<String, JsonLocation> byPath = new HashMap<>();

    private YamlLocations() {
    }

    /** Indexes {@code yaml}; a document that does not parse yields an empty index. */
    static YamlLocations of(String yaml) {
        YamlLocations index = new YamlLocations();
        try (JsonParser p = FACTORY.createParser(yaml)) {
            index.walk(p);
        } catch (IOException | RuntimeException e) {
            // The binder reports the syntax error with its own location.
        }
        return index;
    }

    JsonLocation find(String path) {
        return byPath.get(path);
    }

    private void walk(JsonParser p) throws IOException {
        // Each frame: the path of a container, and for arrays the index of the next element.
        Deque<String> paths = new ArrayDeque<>();
        Deque<int[]> indexes = new ArrayDeque<>();
        String pending = "";
        JsonToken t;
        while ((t = p.nextToken()) != null) {
            if (!indexes.isEmpty() && indexes.peek()[0] >= 0 && t != JsonToken.END_ARRAY) {
                pending = paths.peek() + "[" + indexes.peek()[0]++ + "]";
                byPath.putIfAbsent(pending, p.currentTokenLocation());
            }
            switch (t) {
                case FIELD_NAME -> {
                    String parent = paths.peek();
                    pending = parent == null || parent.isEmpty() ? p.currentName() : parent + "." + p.currentName();
                    byPath.put(pending, p.currentTokenLocation());
                }
                case START_OBJECT -> {
                    paths.push(pending);
                    indexes.push(new int[] {-1});
                }
                case START_ARRAY -> {
                    paths.push(pending);
                    indexes.push(new int[] {0});
                }
                case END_OBJECT, END_ARRAY -> {
                    paths.pop();
                    indexes.pop();
                }
                default -> {
                }
            }
        }
    }
}
