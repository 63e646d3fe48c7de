package io.pxereimage.agent;

import io.pxereimage.protocol.AgentEvent;

/** Where a running job reports: every log line goes to the console and, as an event, to the runtime. */
final class JobContext {
    private final String jobId;
    private final EventBatcher events;

    /** {@code events} may be null (tests, or the job runs outside the agent loop). */
    JobContext(String jobId, EventBatcher events) {
        this.jobId = jobId;
        this.events = events;
    }

    void log(String message) {
        Log.info("[" + jobId + "] " + message);
        if (events != null) {
            events.log(message);
        }
    }

    void event(AgentEvent event) {
        if ("progress".equals(event.kind())) {
            Log.info("[" + jobId + "] progress " + event.bytes() + "/" + event.totalBytes() + " bytes, "
                    + event.bytesPerSecond() / 1_000_000 + " MB/s, eta " + event.etaSeconds() + " s");
        }
        if (events != null) {
            events.add(event);
        }
    }
}
