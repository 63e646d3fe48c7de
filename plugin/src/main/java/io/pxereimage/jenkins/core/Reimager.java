package io.pxereimage.jenkins.core;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the {@code pxeReimage} Pipeline step and the freestyle build step do, without Jenkins types: ask the runtime
 * to reimage machines ({@code POST /api/v1/machines/{m}/reimage}), then follow each job until it is done, writing
 * its state changes, progress and agent messages to the build log. Fails with the runtime's reasons.
 */
public final class Reimager {
    /** How one machine ended. */
    public record Result(String machine, String jobId, String state, String message) {
        public boolean succeeded() {
            return "succeeded".equals(state);
        }
    }

    /** The step failed: the message names each machine that failed and why. */
    public static final class ReimageException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Result> results;

        public ReimageException(String message, List<Result> results) {
            super(message);
            this.results = List.copyOf(results);
        }

        public List<Result> results() {
            return results;
        }
    }

    private final RuntimeClient runtime;
    private final Duration pollInterval;
    private final Duration timeout;
    private final Clock clock;

    /**
     * @param pollInterval how often a job is looked at
     * @param timeout how long all jobs together may take
     */
    public Reimager(RuntimeClient runtime, Duration pollInterval, Duration timeout, Clock clock) {
        this.runtime = Objects.requireNonNull(runtime);
        this.pollInterval = Objects.requireNonNull(pollInterval);
        this.timeout = Objects.requireNonNull(timeout);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * Starts a reimage of every machine; with {@code wait}, follows them until all are done.
     *
     * @return the jobs' ends (without {@code wait}: as queued)
     * @throws ReimageException when a machine could not be started or its job failed (the others are still
     *         followed to their end, so the log shows all of them)
     * @throws IllegalArgumentException for no machines or no image
     */
    public List<Result> reimage(List<String> machines, String image, boolean wait, PrintStream log)
            throws ReimageException, InterruptedException {
        if (machines == null || machines.isEmpty() || machines.stream().anyMatch(m -> m == null || m.isBlank())) {
            throw new IllegalArgumentException("machines: give at least one machine name or MAC, none blank");
        }
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("image: required (an image of the runtime's catalog)");
        }
        Map<String, Result> results = new LinkedHashMap<>();
        Map<String, Follow> running = new LinkedHashMap<>();
        for (String m : machines) {
            try {
                RuntimeClient.DeployJob job = runtime.reimage(m.strip(), image.strip());
                log.printf("pxeReimage: %s: job %s %s (%s)%n", m, job.id(), job.state(), job.detail());
                running.put(m, new Follow(job.id(), job.state()));
                results.put(m, new Result(m, job.id(), job.state(), job.message()));
            } catch (RuntimeApiException e) {
                log.printf("pxeReimage: %s: not started: %s%n", m, e.getMessage());
                results.put(m, new Result(m, null, "failed", e.getMessage()));
            }
        }
        if (wait) {
            Instant deadline = clock.instant().plus(timeout);
            while (!running.isEmpty()) {
                for (var it = running.entrySet().iterator(); it.hasNext();) {
                    var e = it.next();
                    Optional<Result> end = look(e.getKey(), e.getValue(), log);
                    if (end.isPresent()) {
                        results.put(e.getKey(), end.get());
                        it.remove();
                    }
                }
                if (running.isEmpty()) {
                    break;
                }
                if (clock.instant().isAfter(deadline)) {
                    for (var e : running.entrySet()) {
                        String why = "did not finish within " + human(timeout) + " (job " + e.getValue().id
                                + " is " + e.getValue().state + ")";
                        log.printf("pxeReimage: %s: %s%n", e.getKey(), why);
                        results.put(e.getKey(), new Result(e.getKey(), e.getValue().id, "timeout", why));
                    }
                    break;
                }
                Thread.sleep(pollInterval.toMillis());
            }
        }
        List<Result> all = new ArrayList<>(results.values());
        List<String> failed = all.stream().filter(r -> !r.succeeded() && (wait || r.jobId() == null))
                .map(r -> r.machine() + ": " + r.message()).toList();
        if (!failed.isEmpty()) {
            throw new ReimageException("pxeReimage: " + failed.size() + " of " + all.size() + " machine"
                    + (all.size() == 1 ? "" : "s") + " failed: " + String.join("; ", failed), all);
        }
        log.printf("pxeReimage: %s %s with %s%n", String.join(", ", results.keySet()),
                wait ? "reimaged" : "queued for reimaging", image);
        return all;
    }

    /** What was already written of one job. */
    private static final class Follow {
        final String id;
        String state;
        int eventsSeen;
        int lastPercent = -1;

        Follow(String id, String state) {
            this.id = id;
            this.state = state;
        }
    }

    /** One look at a job: writes what is new; the end when it is done. */
    private Optional<Result> look(String machine, Follow f, PrintStream log) {
        RuntimeClient.DeployJob job;
        try {
            Optional<RuntimeClient.DeployJob> j = runtime.job(f.id);
            if (j.isEmpty()) {
                String why = "job " + f.id + " is unknown to the runtime (restarted without a store?)";
                log.printf("pxeReimage: %s: %s%n", machine, why);
                return Optional.of(new Result(machine, f.id, "failed", why));
            }
            job = j.get();
        } catch (RuntimeApiException e) {
            // A runtime briefly unreachable is not a failed reimage: the timeout decides.
            log.printf("pxeReimage: %s: cannot read job %s now: %s%n", machine, f.id, e.getMessage());
            return Optional.empty();
        }
        List<RuntimeClient.JobEvent> events = job.events() == null ? List.of() : job.events();
        for (int i = f.eventsSeen; i < events.size(); i++) {
            RuntimeClient.JobEvent ev = events.get(i);
            if ("progress".equals(ev.kind()) && ev.bytes() != null && ev.totalBytes() != null) {
                int percent = ev.totalBytes() <= 0 ? 0 : (int) Math.min(100, ev.bytes() * 100 / ev.totalBytes());
                if (percent != f.lastPercent) {
                    f.lastPercent = percent;
                    log.printf("pxeReimage: %s: %d%% (%s of %s%s%s)%n", machine, percent, size(ev.bytes()),
                            size(ev.totalBytes()),
                            ev.bytesPerSecond() == null ? "" : ", " + size(ev.bytesPerSecond()) + "/s",
                            ev.etaSeconds() == null || ev.etaSeconds() < 0 ? "" : ", " + ev.etaSeconds() + " s left");
                }
            } else if (ev.message() != null) {
                log.printf("pxeReimage: %s: %s%n", machine, ev.message());
            }
        }
        f.eventsSeen = events.size();
        if (!job.state().equals(f.state)) {
            f.state = job.state();
            log.printf("pxeReimage: %s: job %s %s%s%n", machine, f.id, job.state(),
                    job.message() == null ? "" : ": " + job.message());
        }
        return job.done() ? Optional.of(new Result(machine, f.id, job.state(),
                job.message() == null ? job.state() : job.message())) : Optional.empty();
    }

    static String human(Duration d) {
        return d.toSeconds() < 120 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format("%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format("%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " B";
    }
}
