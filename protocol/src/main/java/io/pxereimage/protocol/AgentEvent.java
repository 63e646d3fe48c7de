package io.pxereimage.protocol;

import java.time.Instant;
import java.util.List;

/**
 * Something an agent reports while a job runs: {@code progress} (bytes of totalBytes, rate, ETA) or {@code log}
 * (a message). Unused fields are null.
 */
public record AgentEvent(Instant time, String kind, Long bytes, Long totalBytes, Long bytesPerSecond,
        Long etaSeconds, String message) {

    public static AgentEvent log(Instant time, String message) {
        return new AgentEvent(time, "log", null, null, null, null, message);
    }

    public static AgentEvent progress(Instant time, long bytes, long total, long rate, long eta) {
        return new AgentEvent(time, "progress", bytes, total, rate, eta, null);
    }

    /** {@code POST /api/v1/agent/jobs/{id}/events}. */
    public record Batch(List<AgentEvent> events) {
        public Batch {
            events = List.copyOf(events);
        }
    }
}
