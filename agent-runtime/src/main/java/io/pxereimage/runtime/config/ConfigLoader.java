package io.pxereimage.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@link RuntimeConfig} from YAML and turns every problem into one line a person can act on:
 * {@code FILE:LINE:COLUMN: FIELD: REASON}.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ConfigLoader() {
    }

    public static RuntimeConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    public static RuntimeConfig parse(String source, String yaml) {
        try {
            RuntimeConfig config = YAML.readValue(yaml, RuntimeConfig.class);
            if (config == null) {
                throw new ConfigException(source + ": the file is empty");
            }
            return config;
        } catch (JsonMappingException e) {
            throw new ConfigException(describe(source, yaml, e), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + where(e.getLocation()) + ": not valid YAML: " + e.getOriginalMessage(),
                    e);
        }
    }

    private static String describe(String source, String yaml, JsonMappingException e) {
        String field = path(e);
        String reason;
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (e instanceof UnrecognizedPropertyException u) {
            reason = "unknown field '" + u.getPropertyName() + "'";
        } else if (root instanceof IllegalArgumentException) {
            // Our validators start their message with the field they check: "mac: not a MAC address ...".
            reason = root.getMessage();
            int colon = reason.indexOf(": ");
            String sub = colon > 0 ? reason.substring(0, colon) : "";
            if (sub.matches("[A-Za-z]+") && !field.endsWith(sub)) {
                field = field.isEmpty() ? sub : field + "." + sub;
                reason = reason.substring(colon + 2);
            }
        } else {
            reason = e.getOriginalMessage();
        }
        YamlLocations index = YamlLocations.of(yaml);
        JsonLocation at = index.find(field);
        // A missing required field has no location of its own: point at its section instead.
        for (String p = field; at == null && p.lastIndexOf('.') > 0; ) {
            p = p.substring(0, p.lastIndexOf('.'));
            at = index.find(p);
        }
        return source + where(at != null ? at : e.getLocation()) + ": " + (field.isEmpty() ? "" : field + ": ")
                + reason;
    }

    /** {@code machines[0].mac} from Jackson's reference chain. */
    private static String path(JsonMappingException e) {
        StringBuilder s = new StringBuilder();
        if (e.getPath() == null) {
            return "";
        }
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (s.length() > 0) {
                    s.append('.');
                }
                s.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return ":" + location.getLineNr() + ":" + location.getColumnNr();
    }
}
