package io.pxereimage.runtime.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

/**
 * The JSON mapper for agent traffic, the API and the state files in the data directory. Instants are ISO-8601
 * strings ({@code 2026-11-23T13:00:00Z}); a tiny module does that instead of jackson-datatype-jsr310, whose
 * version matching the Jackson BOM is not available offline here. Unknown fields are ignored so that a newer
 * agent can talk to an older runtime.
 */
public final class Json {
    public static final ObjectMapper MAPPER = newMapper();

    private Json() {
    }

    public static ObjectMapper newMapper() {
        SimpleModule time = new SimpleModule("instants");
        time.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(v.toString());
            }
        });
        time.addDeserializer(Instant.class, new JsonDeserializer<>() {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
                String text = p.getValueAsString();
                try {
                    return text == null || text.isBlank() ? null : Instant.parse(text.strip());
                } catch (DateTimeParseException e) {
                    return (Instant) c.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
                }
            }
        });
        return new ObjectMapper().registerModule(time)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Writes {@code value} to {@code file} atomically (temp file + rename): a crash never leaves half a file. */
    public static void writeAtomically(Path file, Object value) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
