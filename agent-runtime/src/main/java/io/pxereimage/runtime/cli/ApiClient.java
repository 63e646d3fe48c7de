package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.http.SseReader;

/** A small JSON client of {@code /api/v1} for the CLI. Errors become {@link Failure} with the server's reason. */
final class ApiClient {
    /**
     * A call that did not succeed; the message is ready to print. {@code status} is the HTTP status (0 when the
     * server was not reached) and {@code body} what it answered (some refusals carry the object, e.g. an ended lease).
     */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final transient JsonNode body;

        Failure(String message) {
            this(message, 0, MissingNode.getInstance());
        }

        Failure(String message, int status, JsonNode body) {
            super(message, null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    /** An open {@code text/event-stream} response; {@link #close} from any thread ends a blocked {@link #next}. */
    static final class EventStream implements AutoCloseable {
        private final InputStream in;
        private final SseReader reader;

        EventStream(InputStream in) {
            this.in = in;
            this.reader = new SseReader(in);
        }

        /** The next event, or null when the stream has ended. Comments ({@code : keepalive}) are skipped. */
        SseReader.Event next() throws IOException {
            return reader.next();
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                // closing: nothing left to do
            }
        }
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ApiClient(String url, String token) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.token = token;
    }

    JsonNode get(String path) throws Failure, InterruptedException {
        return call("GET", path, null);
    }

    JsonNode post(String path, Object body) throws Failure, InterruptedException {
        return call("POST", path, body);
    }

    JsonNode delete(String path) throws Failure, InterruptedException {
        return call("DELETE", path, null);
    }

    /**
     * Opens {@code GET path} as Server-Sent Events.
     *
     * @param lastEventId resume after this event ({@code Last-Event-ID}), or null
     */
    EventStream events(String path, String lastEventId) throws Failure, InterruptedException {
        HttpRequest.Builder b = request(path).timeout(Duration.ofSeconds(30)).header("Accept", "text/event-stream")
                .GET();
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() >= 300) {
                byte[] body;
                try (InputStream in = r.body()) {
                    body = in.readAllBytes();
                }
                throw failure("GET", path, r.statusCode(), body);
            }
            return new EventStream(r.body());
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new Failure("GET " + path + ": " + e.getMessage());
        }
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, Object body) throws Failure, InterruptedException {
        HttpRequest.Builder b = request(path).timeout(Duration.ofMinutes(30));
        try {
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) {
                throw failure(method, path, r.statusCode(), r.body());
            }
            return r.body().length == 0 ? MissingNode.getInstance() : Json.MAPPER.readTree(r.body());
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new Failure(method + " " + path + ": " + e.getMessage());
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static Failure failure(String method, String path, int status, byte[] body) {
        JsonNode json;
        try {
            json = body.length == 0 ? MissingNode.getInstance() : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            json = MissingNode.getInstance();
        }
        String why = json.path("error").asText("HTTP " + status);
        return new Failure(method + " " + path + ": " + status + " " + why, status, json);
    }

    private Failure unreachable() {
        return new Failure("cannot connect to " + base + " (is the runtime running? --url)");
    }
}
