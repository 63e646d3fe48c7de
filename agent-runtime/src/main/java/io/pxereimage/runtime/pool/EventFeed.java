package io.pxereimage.runtime.pool;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stored pool events as a live feed (the SSE stream of {@code GET /api/v1/events}). The store is polled, not
 * hooked, so that events written by other runtimes sharing a PostgreSQL inventory reach subscribers too.
 * {@link #subscribe} and {@link #pump} hold the same lock, so a subscriber's backlog and its live events meet
 * without a gap or a repeat.
 */
final class EventFeed {
    private static final Logger LOG = LoggerFactory.getLogger(EventFeed.class);

    private final PoolStore store;
    private final List<Consumer<PoolEvent>> subscribers = new CopyOnWriteArrayList<>();
    private long pumped;

    EventFeed(PoolStore store) {
        this.store = store;
    }

    /** Live events start after the newest stored one. */
    synchronized void startAfter(long seq) {
        pumped = seq;
    }

    /** Stored events after {@code afterSeq}, then every new one, until the handle is closed. */
    synchronized AutoCloseable subscribe(long afterSeq, Consumer<PoolEvent> sink) throws SQLException {
        for (PoolEvent e : store.events(afterSeq, null, null, Integer.MAX_VALUE)) {
            if (e.seq() <= pumped) {
                deliver(sink, e);
            }
        }
        subscribers.add(sink);
        return () -> subscribers.remove(sink);
    }

    /** Hands events stored since the last pump to every subscriber. */
    synchronized void pump() {
        try {
            if (subscribers.isEmpty()) {
                pumped = Math.max(pumped, store.lastEventSeq());
                return;
            }
            for (PoolEvent e : store.events(pumped, null, null, 10_000)) {
                pumped = e.seq();
                subscribers.forEach(s -> deliver(s, e));
            }
        } catch (SQLException e) {
            LOG.debug("pool: event feed: {}", e.getMessage());
        }
    }

    void close() {
        subscribers.clear();
    }

    private static void deliver(Consumer<PoolEvent> sink, PoolEvent e) {
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            LOG.debug("pool: event subscriber failed: {}", ex.toString());
        }
    }
}
