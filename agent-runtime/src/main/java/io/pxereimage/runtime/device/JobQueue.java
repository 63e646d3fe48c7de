package io.pxereimage.runtime.device;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Jobs per machine, delivered to the machine's agent by long-poll.
 *
 * <p>A poll never blocks a thread: when no job is queued, the {@link Waiter} is parked and completed later, either
 * by {@link #enqueue} (at once, from the caller's thread) or by a timer with "nothing" after the wait. The waiter
 * says whether it could still deliver (its connection may have closed); if not, the job goes back to the head of
 * the queue for the next poll.
 */
public final class JobQueue {
    /** Finished jobs kept for the API; older ones are forgotten. */
    public static final int MAX_FINISHED = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);

    /** A parked poll. */
    @FunctionalInterface
    public interface Waiter {
        /**
         * @param job the job to deliver, or {@code null} when the wait ended without one
         * @return whether the job reached the poller (ignored for {@code null})
         */
        boolean offer(JobRecord job);
    }

    /** Told about job transitions, outside the queue's lock. */
    public interface Listener {
        /** A job was queued (or held for a multicast session). */
        default void queued(JobRecord job) {
        }

        default void started(JobRecord job) {
        }

        default void progressed(JobRecord job, List<AgentEvent> events) {
        }

        default void finished(JobRecord job) {
        }

        /** A job that was never delivered was cancelled (failed): a newer reimage, a failed or released machine. */
        default void cancelled(JobRecord job) {
        }
    }

    /** Why an agent's report was refused. */
    public enum Refusal { NO_SUCH_JOB, NOT_RUNNING }

    private record Parked(MacAddress mac, Waiter waiter, ScheduledFuture<?>[] timeout) {
    }

    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final AtomicLong ids = new AtomicLong();
    private final String idPrefix = "j-" + Secrets.randomHex(2) + "-";
    private final Map<MacAddress, Deque<JobRecord>> queued = new HashMap<>();
    /** Queued but not deliverable yet: deploy jobs gathering into a multicast session ({@link #release}). */
    private final Map<String, JobRecord> held = new LinkedHashMap<>();
    private final Map<MacAddress, List<Parked>> parked = new HashMap<>();
    private final LinkedHashMap<String, JobRecord> all = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public JobQueue(Clock clock, ScheduledExecutorService timer) {
        this.clock = clock;
        this.timer = timer;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** Queues a job built by {@code make} from a fresh id, and hands it to a waiting poll if there is one. */
    public JobRecord enqueue(MacAddress mac, String machine, Function<String, Job> make) {
        return enqueue(mac, machine, make, false);
    }

    /**
     * Like {@link #enqueue}, but the job is held (queued, not deliverable) until {@link #release}: a deploy job
     * waiting for the other machines of its multicast session.
     */
    public JobRecord enqueueHeld(MacAddress mac, String machine, Function<String, Job> make) {
        return enqueue(mac, machine, make, true);
    }

    private JobRecord enqueue(MacAddress mac, String machine, Function<String, Job> make, boolean hold) {
        JobRecord r;
        synchronized (this) {
            r = new JobRecord(make.apply(idPrefix + ids.incrementAndGet()), mac, machine, clock.instant());
            all.put(r.id(), r);
            if (hold) {
                held.put(r.id(), r);
            } else {
                queued.computeIfAbsent(mac, m -> new ArrayDeque<>()).addLast(r);
            }
            trim();
        }
        LOG.info("job {} {} {} for {}", r.id(), JobTypes.name(r.job()), hold ? "held" : "queued", machine);
        JobRecord queuedJob = r;
        listeners.forEach(l -> l.queued(queuedJob));
        dispatch(mac);
        return r;
    }

    /**
     * Makes a held job deliverable, first changed by {@code change} (same id). False when it is no longer held (a
     * newer reimage cancelled it).
     */
    public boolean release(String id, UnaryOperator<Job> change) {
        JobRecord r;
        synchronized (this) {
            r = held.remove(id);
            if (r == null || r.state() != JobRecord.State.QUEUED) {
                return false;
            }
            r.replace(change.apply(r.job()));
            queued.computeIfAbsent(r.mac(), m -> new ArrayDeque<>()).addLast(r);
        }
        LOG.info("job {} {} released for {}", r.id(), JobTypes.name(r.job()), r.machine());
        dispatch(r.mac());
        return true;
    }

    /** Changes a job that is queued and not delivered yet (e.g. its multicast session ended: unicast). */
    public synchronized boolean changeQueued(String id, UnaryOperator<Job> change) {
        JobRecord r = all.get(id);
        if (r == null || r.state() != JobRecord.State.QUEUED || held.containsKey(id)) {
            return false;
        }
        r.replace(change.apply(r.job()));
        return true;
    }

    /** Fails every job of {@code mac} that has not been delivered yet (a new reimage replaces an old one). */
    public List<JobRecord> cancelQueued(MacAddress mac, String why) {
        List<JobRecord> cancelled;
        synchronized (this) {
            Deque<JobRecord> q = queued.remove(mac);
            cancelled = q == null ? new ArrayList<>() : new ArrayList<>(q);
            for (Iterator<JobRecord> it = held.values().iterator(); it.hasNext(); ) {
                JobRecord h = it.next();
                if (h.mac().equals(mac)) {
                    it.remove();
                    cancelled.add(h);
                }
            }
            cancelled.forEach(r -> r.finish(JobRecord.State.FAILED, why, clock.instant()));
        }
        cancelled.forEach(r -> LOG.info("job {} cancelled: {}", r.id(), why));
        cancelled.forEach(r -> listeners.forEach(l -> l.cancelled(r)));
        return cancelled;
    }

    /** Delivers the next job of {@code mac} to {@code waiter} now, or parks it for at most {@code wait}. */
    public void poll(MacAddress mac, Duration wait, Waiter waiter) {
        JobRecord next;
        JobRecord restarted = null;
        synchronized (this) {
            // An agent polls only when idle: a job still running for it was lost (agent restarted, answer lost)
            // and is delivered again; a reboot or poweroff evidently happened.
            next = running(mac);
            if (next != null && (next.job() instanceof Job.Reboot || next.job() instanceof Job.PowerOff)) {
                next.finish(JobRecord.State.SUCCEEDED, "the agent polled again after it", clock.instant());
                restarted = next;
                next = null;
            } else if (next != null) {
                LOG.info("job {} {} delivered again to {}: it polled while the job was running", next.id(),
                        JobTypes.name(next.job()), next.machine());
            }
        }
        if (restarted != null) {
            JobRecord done = restarted;
            listeners.forEach(l -> l.finished(done));
        }
        synchronized (this) {
            next = next != null ? next : take(mac);
            if (next == null) {
                ScheduledFuture<?>[] timeout = new ScheduledFuture<?>[1];
                Parked p = new Parked(mac, waiter, timeout);
                parked.computeIfAbsent(mac, m -> new ArrayList<>()).add(p);
                timeout[0] = timer.schedule(() -> expire(p), wait.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        deliver(next, waiter);
    }

    public synchronized Optional<JobRecord> get(String id) {
        return Optional.ofNullable(all.get(id));
    }

    /** All known jobs, oldest first. */
    public synchronized List<JobRecord> list() {
        return new ArrayList<>(all.values());
    }

    /** Records events the agent sent for a running job. */
    public Optional<Refusal> addEvents(MacAddress mac, String id, List<AgentEvent> events) {
        JobRecord r;
        synchronized (this) {
            r = all.get(id);
            if (r == null || !r.mac().equals(mac)) {
                return Optional.of(Refusal.NO_SUCH_JOB);
            }
            if (r.state() != JobRecord.State.RUNNING) {
                return Optional.of(Refusal.NOT_RUNNING);
            }
            events.forEach(r::add);
        }
        listeners.forEach(l -> l.progressed(r, events));
        return Optional.empty();
    }

    /** Records the agent's final word on a running job. */
    public Optional<Refusal> finish(MacAddress mac, String id, JobResult result) {
        JobRecord r;
        synchronized (this) {
            r = all.get(id);
            if (r == null || !r.mac().equals(mac)) {
                return Optional.of(Refusal.NO_SUCH_JOB);
            }
            if (r.state() != JobRecord.State.RUNNING) {
                return Optional.of(Refusal.NOT_RUNNING);
            }
            r.finish(result.ok() ? JobRecord.State.SUCCEEDED : JobRecord.State.FAILED, result.message(),
                    clock.instant());
        }
        LOG.info("job {} {} on {}: {}{}", r.id(), JobTypes.name(r.job()), r.machine(), result.status(),
                result.message() == null ? "" : " (" + printable(result.message()) + ")");
        listeners.forEach(l -> l.finished(r));
        return Optional.empty();
    }

    /** Polls currently parked, for tests and metrics. */
    public synchronized int parkedPolls() {
        return parked.values().stream().mapToInt(List::size).sum();
    }

    private JobRecord running(MacAddress mac) {
        for (JobRecord r : all.values()) {
            if (r.mac().equals(mac) && r.state() == JobRecord.State.RUNNING) {
                return r;
            }
        }
        return null;
    }

    private JobRecord take(MacAddress mac) {
        Deque<JobRecord> q = queued.get(mac);
        JobRecord r = q == null ? null : q.pollFirst();
        if (r != null) {
            r.start(clock.instant());
        }
        return r;
    }

    /** Pairs queued jobs of {@code mac} with parked polls until one side runs out. */
    private void dispatch(MacAddress mac) {
        while (true) {
            JobRecord next;
            Parked p;
            synchronized (this) {
                List<Parked> waiting = parked.get(mac);
                Deque<JobRecord> q = queued.get(mac);
                if (waiting == null || waiting.isEmpty() || q == null || q.isEmpty()) {
                    return;
                }
                p = waiting.remove(0);
                next = take(mac);
            }
            p.timeout()[0].cancel(false);
            deliver(next, p.waiter());
        }
    }

    private void deliver(JobRecord r, Waiter waiter) {
        boolean delivered;
        try {
            delivered = waiter.offer(r);
        } catch (RuntimeException e) {
            LOG.warn("job {}: delivery failed", r.id(), e);
            delivered = false;
        }
        if (!delivered) {
            synchronized (this) {
                r.requeue();
                queued.computeIfAbsent(r.mac(), m -> new ArrayDeque<>()).addFirst(r);
            }
            dispatch(r.mac());
            return;
        }
        LOG.info("job {} {} delivered to {}", r.id(), JobTypes.name(r.job()), r.machine());
        listeners.forEach(l -> l.started(r));
    }

    private void expire(Parked p) {
        synchronized (this) {
            List<Parked> waiting = parked.get(p.mac());
            if (waiting == null || !waiting.remove(p)) {
                return; // already got a job
            }
        }
        p.waiter().offer(null);
    }

    private void trim() {
        int excess = all.size() - MAX_FINISHED;
        for (Iterator<JobRecord> it = all.values().iterator(); it.hasNext() && excess > 0; ) {
            if (it.next().state().done()) {
                it.remove();
                excess--;
            }
        }
    }

    static String printable(String s) {
        String cut = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
