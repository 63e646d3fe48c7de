package io.pxereimage.runtime.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;

/**
 * The reimage flow on the runtime side: plan DEPLOY + a queued {@code deploy-image} job; then, on the agent's
 * result, either plan LOCAL + a queued {@code reboot} (success) or a {@code failed} event with the plan left at
 * DEPLOY (the agent has wiped the disk, so the machine must not boot it). Each step is an {@link Events} entry.
 */
public final class DeployFlow implements JobQueue.Listener {
    /** Image URLs are relative until delivery, where the agent's own view of the runtime's address is known. */
    public static final String IMAGE_PATH = "/images/";

    private final MachineRegistry registry;
    private final JobQueue jobs;
    private final Events events;
    /** The newest deploy job per machine: only its result may flip the plan. */
    private final Map<MacAddress, String> latest = new ConcurrentHashMap<>();
    private volatile Grouping grouping;

    /**
     * Groups deploy jobs of one image into multicast sessions ({@code multicast.MulticastSessions}). Jobs it takes
     * are held in the {@link JobQueue}; it releases each, with or without a {@code Job.Multicast}.
     */
    public interface Grouping {
        /** Whether a reimage with this image waits for the gathering window (automatic grouping). */
        boolean gathers(ImageEntry image);

        /** Takes a held job into the gathering window of its image. */
        void gather(JobRecord job, ImageEntry image);

        /** Why these machines cannot share one session now, or empty (checked before any job is queued). */
        Optional<String> refuse(List<MachinePlan> plans, ImageEntry image);

        /**
         * Makes these held jobs one session now (an explicit multicast reimage); returns the session's id, or null
         * when it released them unicast after all (and said why in their events).
         */
        String session(List<JobRecord> jobs, ImageEntry image);

        /** The sessions, for the API (JSON-serialisable records). */
        List<?> sessions();
    }

    /** One machine of a reimage of several machines with one image. */
    public record Member(MachinePlan plan, Job.Target target, Job.FirstBoot firstBoot) {
    }

    /** What {@link #reimageTogether} queued: the session's id and one job per member, in order. */
    public record Together(String session, List<JobRecord> jobs) {
    }

    public DeployFlow(MachineRegistry registry, JobQueue jobs, Events events) {
        this.registry = registry;
        this.jobs = jobs;
        this.events = events;
        jobs.addListener(this);
    }

    /**
     * Sets {@code plan}'s machine to DEPLOY and queues the deploy job; an older undelivered job is cancelled.
     *
     * @param target an explicit device or the {@code smallest-fit} rule
     */
    public JobRecord reimage(MachinePlan plan, ImageEntry image, Job.Target target, Job.FirstBoot firstBoot) {
        return reimage(plan, image, target, firstBoot, true);
    }

    /**
     * @param mayGroup whether the job may join a multicast session of the automatic grouping (when configured);
     *        false = unicast whatever the configuration says
     */
    public JobRecord reimage(MachinePlan plan, ImageEntry image, Job.Target target, Job.FirstBoot firstBoot,
            boolean mayGroup) {
        Grouping g = grouping;
        boolean gather = mayGroup && g != null && g.gathers(image);
        JobRecord r = queue(plan, image, target, firstBoot, gather);
        if (gather) {
            g.gather(r, image);
        }
        return r;
    }

    /**
     * Reimages several machines with one image in one multicast session, now (no gathering window). Refused with
     * the reason, before anything is queued, when no grouping is configured or it cannot take them.
     */
    public Together reimageTogether(List<Member> members, ImageEntry image) {
        Grouping g = grouping;
        if (g == null) {
            throw new IllegalStateException("multicast: not configured (the runtime config has no multicast section)");
        }
        Optional<String> refused = g.refuse(members.stream().map(Member::plan).toList(), image);
        if (refused.isPresent()) {
            throw new IllegalStateException(refused.get());
        }
        List<JobRecord> held = new ArrayList<>();
        for (Member m : members) {
            held.add(queue(m.plan(), image, m.target(), m.firstBoot(), true));
        }
        return new Together(g.session(held, image), held);
    }

    /** The multicast grouping, when configured. */
    public Optional<Grouping> grouping() {
        return Optional.ofNullable(grouping);
    }

    /** Sets the grouping (once, at start, before any reimage). */
    public void groupWith(Grouping g) {
        this.grouping = g;
    }

    private JobRecord queue(MachinePlan plan, ImageEntry image, Job.Target target, Job.FirstBoot firstBoot,
            boolean hold) {
        jobs.cancelQueued(plan.mac(), "replaced by a new reimage");
        registry.put(plan.withAction(MachinePlan.Action.DEPLOY));
        Job.ImageRef ref = new Job.ImageRef(image.name(), IMAGE_PATH + image.sha256(), image.sha256(),
                image.sizeBytes(), image.compression(), image.blockMap());
        Function<String, Job> make = id -> {
            latest.put(plan.mac(), id);
            return new Job.DeployImage(id, ref, target, firstBoot);
        };
        JobRecord r = hold ? jobs.enqueueHeld(plan.mac(), plan.name(), make)
                : jobs.enqueue(plan.mac(), plan.name(), make);
        events.add(plan.name(), "planned", "reimage with " + image.name() + " (" + image.sha256().substring(0, 12)
                + "...) on " + describe(target) + ": plan is deploy, job " + r.id() + (hold
                        ? " held for a multicast session" : " queued"));
        return r;
    }

    @Override
    public void started(JobRecord job) {
        if (job.job() instanceof Job.DeployImage d) {
            events.add(job.machine(), "deploying", "job " + job.id() + " delivered: writing " + d.image().name()
                    + " (" + d.image().sizeBytes() + " bytes) to " + describe(d.target())
                    + (d.multicast() == null ? "" : " (multicast)"));
        } else if (!(job.job() instanceof Job.Reboot)) {
            events.add(job.machine(), "job", JobTypes.name(job.job()) + " " + job.id() + " delivered");
        }
    }

    /** One {@code deploying} event per 10 % step, not per batch: the log stays readable. */
    @Override
    public void progressed(JobRecord job, List<AgentEvent> batch) {
        if (!(job.job() instanceof Job.DeployImage)) {
            return;
        }
        for (AgentEvent e : batch) {
            if (!"progress".equals(e.kind()) || e.bytes() == null || e.totalBytes() == null || e.totalBytes() <= 0) {
                continue;
            }
            int step = (int) (e.bytes() * 10 / e.totalBytes());
            if (job.reachedStep(step)) {
                events.add(job.machine(), "deploying", String.format(Locale.ROOT, "%d%% (%d of %d bytes, %.1f MB/s)",
                        step * 10, e.bytes(), e.totalBytes(),
                        e.bytesPerSecond() == null ? 0.0 : e.bytesPerSecond() / 1e6));
            }
        }
    }

    @Override
    public void finished(JobRecord job) {
        JobRecord.Snapshot s = job.snapshot();
        boolean ok = s.state() == JobRecord.State.SUCCEEDED;
        if (!(job.job() instanceof Job.DeployImage d)) {
            if (!(job.job() instanceof Job.Reboot) || !ok) {
                events.add(job.machine(), ok ? "job" : "job-failed", s.type() + " " + job.id() + " "
                        + s.state().name().toLowerCase(Locale.ROOT) + (s.message() == null ? "" : ": " + s.message()));
            }
            return;
        }
        if (!job.id().equals(latest.get(job.mac()))) {
            // A newer reimage was asked while this one ran: its job decides the plan, this one only reports.
            events.add(job.machine(), "superseded", "job " + job.id() + " " + s.state().name().toLowerCase(Locale.ROOT)
                    + ", but a newer reimage is queued; plan stays deploy");
            return;
        }
        if (!ok) {
            events.add(job.machine(), "failed", "job " + job.id() + ": " + (s.message() == null ? "no reason given"
                    : JobQueue.printable(s.message())) + "; plan stays deploy");
            return;
        }
        events.add(job.machine(), "verified", "sha256 " + d.image().sha256().substring(0, 12)
                + "... of the written image matches");
        events.add(job.machine(), "first-boot-written", "first-boot data for "
                + (d.firstBoot() == null || d.firstBoot().hostname() == null ? job.machine()
                        : d.firstBoot().hostname()));
        // Flip before the reboot is queued: the machine's next PXE request must already see LOCAL.
        registry.get(job.mac()).ifPresent(p -> registry.put(p.withAction(MachinePlan.Action.LOCAL)));
        JobRecord reboot = jobs.enqueue(job.mac(), job.machine(), Job.Reboot::new);
        events.add(job.machine(), "rebooting", "reboot " + reboot.id() + " queued");
        events.add(job.machine(), "local", "plan is local: the next boot is from disk");
    }

    static String describe(Job.Target t) {
        if (t == null) {
            return "smallest-fit";
        }
        return t.device() != null ? t.device() : t.rule();
    }
}
