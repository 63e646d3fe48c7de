package io.pxereimage.runtime.device;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.concurrent.Recent;
import io.pxereimage.runtime.store.JsonLinesFile;

/**
 * The runtime-wide event log: what happened to which machine, in the words of the deploy phases ({@code netboot},
 * {@code registered}, {@code deploying}, {@code verified}, {@code first-boot-written}, {@code rebooting},
 * {@code local}, {@code failed}, ...). Each event is one INFO line, one JSON line appended to {@code events.jsonl}
 * in the data directory, and an entry in a bounded in-memory list the API serves. The tail of the file is read
 * back at start, so the list survives a restart.
 */
public final class Events implements AutoCloseable {
    public static final int MAX_IN_MEMORY = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    /** One event; {@code machine} is the machine's name (its MAC when it has none). */
    public record Event(Instant time, String machine, String phase, String message) {
    }

    private final Clock clock;
    private final Recent<Event> recent = new Recent<>(MAX_IN_MEMORY);
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final JsonLinesFile<Event> lines;

    /** @param file {@code events.jsonl}, or {@code null} for memory only */
    public Events(Path file, Clock clock) {
        this.clock = clock;
        this.lines = file == null ? null : new JsonLinesFile<>(file, Event.class, Json.MAPPER);
        if (lines != null) {
            recent.addAll(lines.tail(MAX_IN_MEMORY));
        }
    }

    public Event add(String machine, String phase, String message) {
        Event e = new Event(clock.instant(), machine, phase, message);
        LOG.info("event {} {}: {}", machine, phase, message);
        synchronized (this) {
            recent.add(e); // with the file append under one lock: the file's order is the list's
            if (lines != null) {
                lines.append(e);
            }
        }
        for (Consumer<Event> l : listeners) {
            l.accept(e);
        }
        return e;
    }

    /** Told of every event after it is recorded, on the caller's thread (often a network thread: do not block). */
    public void addListener(Consumer<Event> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<Event> l) {
        listeners.remove(l);
    }

    /** Events oldest first; only those of {@code machine} when it is not {@code null}. */
    public List<Event> list(String machine) {
        return recent.all().stream().filter(e -> machine == null || machine.equals(e.machine())).toList();
    }

    @Override
    public synchronized void close() {
        if (lines != null) {
            lines.close();
        }
    }
}
