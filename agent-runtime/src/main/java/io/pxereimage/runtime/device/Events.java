package io.pxereimage.runtime.device;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private final Deque<Event> recent = new ArrayDeque<>();
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
            recent.addLast(e);
            while (recent.size() > MAX_IN_MEMORY) {
                recent.removeFirst();
            }
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
    public synchronized List<Event> list(String machine) {
        List<Event> out = new ArrayList<>();
        for (Event e : recent) {
            if (machine == null || machine.equals(e.machine())) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (lines != null) {
            lines.close();
        }
    }
}
