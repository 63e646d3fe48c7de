package io.pxereimage.runtime.audit;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.concurrent.Recent;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.store.JsonLinesFile;

/**
 * Who changed what, and when: one JSON line per state-changing API call and per admin action, allowed or
 * refused, appended to {@code <dataDir>/audit.jsonl} (opened for APPEND only, flushed line by line, never
 * rewritten). The newest {@value #IN_MEMORY} entries are also kept in memory for {@code GET /api/v1/audit}; the
 * tail of the file is read back at start.
 *
 * <p>What goes in is decided by the callers, and is never a request body or a token: the token's name, the
 * method and path (no query string: {@code ?token=} may be a credential), the status and a short detail.
 */
public final class AuditLog implements AutoCloseable {
    public static final int IN_MEMORY = 1000;
    private static final ObjectMapper JSON = Json.newMapper();

    /**
     * One entry.
     *
     * @param who the token's name ({@code anonymous} without tokens, {@code null} when the token was unknown)
     * @param role {@code admin}, {@code viewer}, or {@code null} when unknown
     * @param action what was asked ({@code reimage}, {@code leases.create}, ...)
     * @param target the machine, lease or plan it was about, or {@code null}
     * @param status the HTTP status answered
     * @param detail the refusal's reason or a short outcome, or {@code null}
     */
    public record Entry(Instant time, String who, String role, String method, String path, String action,
            String target, int status, String detail) {
    }

    private final Clock clock;
    private final Recent<Entry> recent = new Recent<>(IN_MEMORY);
    private final JsonLinesFile<Entry> lines;

    /** @param file {@code audit.jsonl}, or {@code null} for memory only (tests, embedded servers) */
    public AuditLog(Path file, Clock clock) {
        this.clock = clock;
        this.lines = file == null ? null : new JsonLinesFile<>(file, Entry.class, JSON);
        if (lines != null) {
            recent.addAll(lines.tail(IN_MEMORY));
        }
    }

    /** Appends an entry stamped now; returns it. A failing disk is logged, never thrown at the caller. */
    public Entry record(String who, String role, String method, String path, String action, String target,
            int status, String detail) {
        Entry e = new Entry(clock.instant(), who, role, method, path, action, target, status, clip(detail));
        synchronized (this) {
            recent.add(e); // with the file append under one lock: the file's order is the list's
            if (lines != null) {
                lines.append(e);
            }
        }
        return e;
    }

    /** The newest {@code limit} entries, newest last. */
    public List<Entry> recent(int limit) {
        return recent.newest(limit);
    }

    private static String clip(String s) {
        if (s == null) {
            return null;
        }
        String cut = s.length() > 500 ? s.substring(0, 500) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", " ");
    }

    @Override
    public synchronized void close() {
        if (lines != null) {
            lines.close();
        }
    }
}
