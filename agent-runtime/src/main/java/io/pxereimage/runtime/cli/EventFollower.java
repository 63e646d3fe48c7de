package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.http.SseReader;

/**
 * Follows a pool event stream ({@code GET /events} as Server-Sent Events) for {@code lease create --follow} and
 * {@code pool events --follow}: reconnects with {@code Last-Event-ID} when the connection drops, so no event is
 * lost or repeated, and gives up after a few failures in a row. {@link #close} ends it from another thread.
 */
final class EventFollower implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** What to do with the stream's events. */
    interface Handler {
        /** Called each time the stream is (re)opened: a moment to check for what happened before it. */
        default boolean opened() throws ApiClient.Failure, InterruptedException {
            return false;
        }

        /** One event's JSON ({@code PoolEvent}); return true to stop following. */
        boolean onEvent(JsonNode event) throws ApiClient.Failure, InterruptedException;
    }

    private final ApiClient api;
    private final String path;
    private final PrintWriter err;
    private final int retries;
    private final long retryMillis;
    private volatile boolean closed;
    private volatile ApiClient.EventStream current;

    EventFollower(ApiClient api, String path, PrintWriter err, int retries, long retryMillis) {
        this.api = api;
        this.path = path;
        this.err = err;
        this.retries = retries;
        this.retryMillis = retryMillis;
    }

    /** One event as a line: {@code 12:00:01 m1 powering: power on} (local time; the lease when no machine). */
    static String line(JsonNode e) {
        String time;
        try {
            time = LocalTime.ofInstant(Instant.parse(e.path("time").asText()), ZoneId.systemDefault()).format(TIME);
        } catch (DateTimeParseException ex) {
            time = "--:--:--";
        }
        String who = e.path("machine").isTextual() ? e.path("machine").asText()
                : e.path("lease").asText("-");
        String what = e.path("to").isTextual() ? e.path("to").asText() : e.path("cause").asText("event");
        return time + " " + who + " " + what + (e.path("message").isTextual() ? ": " + e.path("message").asText()
                : "");
    }

    /**
     * Follows the stream from after {@code lastId} ({@code null}: the server's default) until the handler says
     * stop or {@link #close} is called (true), or the stream cannot be kept up (false, reason printed).
     */
    boolean run(String lastId, Handler handler) throws InterruptedException {
        String last = lastId;
        int failures = 0;
        String why = "the event stream ended";
        while (!closed) {
            ApiClient.EventStream s;
            try {
                s = api.events(path, last);
            } catch (ApiClient.Failure f) {
                if (f.status >= 400 && f.status < 500) {
                    err.println("pxe-runtime: " + f.getMessage());
                    err.flush();
                    return false;
                }
                why = f.getMessage();
                if (++failures > retries) {
                    break;
                }
                Thread.sleep(retryMillis);
                continue;
            }
            current = s;
            try {
                if (closed || handler.opened()) {
                    return true;
                }
                for (SseReader.Event e; (e = s.next()) != null; ) {
                    failures = 0;
                    if (e.id() != null) {
                        last = e.id();
                    }
                    if ("error".equals(e.name())) {
                        why = Json.MAPPER.readTree(e.data()).path("error").asText("error event");
                        break;
                    }
                    if (e.data() != null && handler.onEvent(Json.MAPPER.readTree(e.data()))) {
                        return true;
                    }
                }
            } catch (ApiClient.Failure f) {
                why = f.getMessage();
            } catch (IOException e) {
                why = "the event stream broke: " + e.getMessage();
            } finally {
                s.close();
                current = null;
            }
            if (closed || ++failures > retries) {
                break;
            }
            Thread.sleep(retryMillis);
        }
        if (closed) {
            return true;
        }
        err.println("pxe-runtime: " + why);
        err.flush();
        return false;
    }

    @Override
    public void close() {
        closed = true;
        ApiClient.EventStream s = current;
        if (s != null) {
            s.close();
        }
    }
}
