package io.pxereimage.agent;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.pxereimage.protocol.AgentEvent;

/**
 * Collects a job's events and posts them in batches, at most one request per {@code interval}. A failed post keeps
 * the events for the next round (bounded: the oldest progress events go first), so a runtime restart loses nothing
 * that matters.
 */
final class EventBatcher implements AutoCloseable {
    interface Sender {
        void send(AgentEvent.Batch batch) throws IOException, InterruptedException;
    }

    private static final int MAX_QUEUED = 2000;

    private final Sender sender;
    private final long intervalMillis;
    private final List<AgentEvent> queue = new ArrayList<>();
    private final Thread thread;
    private long lastPost;
    private boolean closed;

    EventBatcher(Sender sender, Duration interval, String name) {
        this.sender = sender;
        this.intervalMillis = interval.toMillis();
        this.thread = new Thread(this::loop, "events-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void log(String message) {
        add(AgentEvent.log(Instant.now(), message));
    }

    void add(AgentEvent event) {
        synchronized (queue) {
            if (queue.size() >= MAX_QUEUED) {
                dropOne();
            }
            queue.add(event);
            queue.notifyAll();
        }
    }

    private void dropOne() {
        for (int i = 0; i < queue.size(); i++) {
            if ("progress".equals(queue.get(i).kind())) {
                queue.remove(i);
                return;
            }
        }
        queue.remove(0);
    }

    private void loop() {
        try {
            while (true) {
                synchronized (queue) {
                    while (queue.isEmpty() && !closed) {
                        queue.wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                waitForSlot();
                flushOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitForSlot() throws InterruptedException {
        long wait = lastPost + intervalMillis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    private synchronized boolean flushOnce() throws InterruptedException {
        List<AgentEvent> batch;
        synchronized (queue) {
            if (queue.isEmpty()) {
                return true;
            }
            batch = new ArrayList<>(queue);
            queue.clear();
        }
        lastPost = System.currentTimeMillis();
        try {
            sender.send(new AgentEvent.Batch(batch));
            return true;
        } catch (IOException | InterruptedException e) {
            Log.info("posting " + batch.size() + " events failed (" + e + "), keeping them");
            synchronized (queue) {
                queue.addAll(0, batch);
                while (queue.size() > MAX_QUEUED) {
                    dropOne();
                }
            }
            if (e instanceof InterruptedException) {
                throw (InterruptedException) e;
            }
            return false;
        }
    }

    /** Stops the background thread and posts what is left (a few tries, still one request per interval). */
    @Override
    public void close() throws InterruptedException {
        synchronized (queue) {
            closed = true;
            queue.notifyAll();
        }
        thread.join();
        for (int i = 0; i < 3; i++) {
            synchronized (queue) {
                if (queue.isEmpty()) {
                    return;
                }
            }
            waitForSlot();
            if (flushOnce()) {
                return;
            }
        }
    }
}
