package io.pxereimage.runtime.http;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.api.JobJson;
import io.pxereimage.runtime.api.LeaseResource;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Events;
import io.pxereimage.runtime.device.JobQueue;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.device.Json;

/**
 * {@code GET /api/v1/live}: everything the dashboard shows as it happens, over one {@link SseStream}, as named
 * events with one JSON object each:
 * <ul>
 * <li>{@code pool}: a pool event as {@code GET /api/v1/events} streams it (without a pool: none);</li>
 * <li>{@code job}: a job as {@code GET /api/v1/jobs/{id}} shows it, without {@code events}: on every state change,
 *     and at most {@value #JOB_PROGRESS_PER_SECOND} times a second per job while it makes progress;</li>
 * <li>{@code event}: a device event, {@code {time, machine, job, type, message}}: the deploy flow's events
 *     ({@code job} null, {@code type} its phase) and the agent's non-progress reports of a job;</li>
 * <li>{@code activity}: a DHCP, TFTP or HTTP line ({@link Activity.Entry});</li>
 * <li>{@code multicast}: a session as {@code GET /api/v1/multicast} lists it, when it changed, at most once a
 *     second.</li>
 * </ul>
 * Live only: no backlog (the dashboard loads the lists first). Back-pressure and keepalives as for every
 * {@link SseStream}: a client that does not read is dropped and reconnects.
 */
final class LiveStream {
    static final int JOB_PROGRESS_PER_SECOND = 2;
    private static final long PROGRESS_GAP_NANOS = 1_000_000_000L / JOB_PROGRESS_PER_SECOND;
    static final Duration MULTICAST_POLL = Duration.ofSeconds(1);

    /** The {@code event} frame's data. */
    record DeviceEvent(Instant time, String machine, String job, String type, String message) {
    }

    private final SseStream stream;
    /** When each job's last progress frame went out (System.nanoTime). */
    private final Map<String, Long> progressSent = new ConcurrentHashMap<>();

    private LiveStream(SseStream stream) {
        this.stream = stream;
    }

    /** On the event loop: sends the head, then subscribes to every source there is. */
    static void start(Exchange ex, LeaseResource pool, DeployServices deploy, Activity activity,
            Duration keepAliveEvery) {
        SseStream s = SseStream.create(ex, "live stream", "the start").resumeHint("; it may reconnect");
        new LiveStream(s).subscribe(pool, deploy, activity);
        s.begin(keepAliveEvery);
    }

    private void subscribe(LeaseResource pool, DeployServices deploy, Activity activity) {
        if (activity != null) {
            Consumer<Activity.Entry> l = e -> send("activity", e);
            activity.addListener(l);
            stream.onEnd(() -> activity.removeListener(l));
        }
        if (deploy != null) {
            JobQueue.Listener jobs = new JobQueue.Listener() {
                @Override
                public void queued(JobRecord job) {
                    job(job, false);
                }

                @Override
                public void started(JobRecord job) {
                    job(job, false);
                }

                @Override
                public void progressed(JobRecord job, List<AgentEvent> events) {
                    for (AgentEvent e : events) {
                        if (!"progress".equals(e.kind())) {
                            send("event", new DeviceEvent(e.time(), job.machine(), job.id(), e.kind(), e.message()));
                        }
                    }
                    if (events.stream().anyMatch(e -> "progress".equals(e.kind()))) {
                        job(job, true);
                    }
                }

                @Override
                public void cancelled(JobRecord job) {
                    job(job, false);
                }

                @Override
                public void finished(JobRecord job) {
                    job(job, false);
                    progressSent.remove(job.id());
                }
            };
            deploy.jobs().addListener(jobs);
            stream.onEnd(() -> deploy.jobs().removeListener(jobs));
            Consumer<Events.Event> events = e -> send("event", new DeviceEvent(e.time(), e.machine(), null,
                    e.phase(), e.message()));
            deploy.events().addListener(events);
            stream.onEnd(() -> deploy.events().removeListener(events));
            deploy.flow().grouping().ifPresent(g -> {
                Map<String, String> last = new HashMap<>(); // event loop only
                stream.every(MULTICAST_POLL, () -> {
                    for (Object session : g.sessions()) {
                        JsonNode json = Json.MAPPER.valueToTree(session);
                        String id = json.path("id").asText();
                        String text = json.toString();
                        if (!text.equals(last.put(id, text))) {
                            stream.offer(frame("multicast", text));
                        }
                    }
                });
            });
        }
        if (pool != null) {
            // Live only: after the largest sequence number there is no backlog, every new event follows. A failed
            // subscription leaves the rest of the stream going; the pool's list endpoint says what is wrong.
            PoolEventStream.follow(stream, pool, Long.MAX_VALUE, null, null, e -> send("pool", e));
        }
    }

    /** A job frame; progress frames at most {@value #JOB_PROGRESS_PER_SECOND} a second per job. */
    private void job(JobRecord job, boolean progress) {
        if (progress) { // state changes always go out, and do not count against the progress budget
            long now = System.nanoTime();
            Long last = progressSent.get(job.id());
            if (last != null && now - last < PROGRESS_GAP_NANOS) {
                return;
            }
            progressSent.put(job.id(), now);
        }
        send("job", JobJson.from(job.snapshot(), false));
    }

    private void send(String event, Object data) {
        if (stream.ended()) {
            return;
        }
        try {
            stream.offer(frame(event, Json.MAPPER.writeValueAsString(data)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a " + event + " frame", e);
        }
    }

    /** Compact JSON escapes newlines inside strings: the data is always one line. */
    private static String frame(String event, String json) {
        return "event: " + event + "\ndata: " + json + "\n\n";
    }
}
