package io.pxereimage.runtime.device;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.net.MacAddress;

/**
 * A job and its life: queued, running (delivered to the agent), then succeeded or failed. Mutated only under the
 * {@link JobQueue}'s lock; readers get a {@link Snapshot}.
 */
public final class JobRecord {
    /** Events kept per job: enough for a deploy's progress and its log, bounded against a chatty agent. */
    public static final int MAX_EVENTS = 500;

    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED;
        public boolean done() {
            return this == SUCCEEDED || this == FAILED;
        }
    }

    /** Replaced only while queued (a held deploy job gets its multicast session): see {@link JobQueue#release}. */
    private volatile Job job;
    private final MacAddress mac;
    private final String machine;
    private final Instant created;
    private State state = State.QUEUED;
    private Instant started;
    private Instant finished;
    private String message;
    private AgentEvent progress;
    private long droppedEvents;
    private int progressStep = -1;
    private final Deque<AgentEvent> events = new ArrayDeque<>();

    JobRecord(Job job, MacAddress mac, String machine, Instant created) {
        this.job = job;
        this.mac = mac;
        this.machine = machine;
        this.created = created;
    }

    public String id() {
        return job.id();
    }

    public Job job() {
        return job;
    }

    public MacAddress mac() {
        return mac;
    }

    public String machine() {
        return machine;
    }

    /** Only while queued, under the queue's lock: the same job with other delivery details. */
    synchronized void replace(Job changed) {
        if (state != State.QUEUED || !changed.id().equals(job.id())) {
            throw new IllegalStateException("job " + job.id() + " cannot change in state " + state);
        }
        job = changed;
    }

    synchronized State state() {
        return state;
    }

    synchronized void start(Instant now) {
        state = State.RUNNING;
        started = now;
    }

    synchronized void requeue() {
        state = State.QUEUED;
        started = null;
    }

    synchronized void finish(State outcome, String why, Instant now) {
        state = outcome;
        message = why;
        finished = now;
    }

    synchronized void add(AgentEvent e) {
        if ("progress".equals(e.kind())) {
            progress = e;
        }
        events.addLast(e);
        while (events.size() > MAX_EVENTS) {
            events.removeFirst();
            droppedEvents++;
        }
    }

    /** True once per progress step (0..10) reached for the first time: for throttled progress events. */
    synchronized boolean reachedStep(int step) {
        if (step <= progressStep) {
            return false;
        }
        progressStep = step;
        return true;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(job.id(), JobTypes.name(job), machine, mac, state, created, started, finished, message,
                progress, droppedEvents, new ArrayList<>(events), job);
    }

    /** A consistent copy for the API. {@code job} is what the agent gets (secrets of first-boot data included). */
    public record Snapshot(String id, String type, String machine, MacAddress mac, State state, Instant created,
            Instant started, Instant finished, String message, AgentEvent progress, long droppedEvents,
            List<AgentEvent> events, Job job) {
    }
}
