package io.pxereimage.runtime.device;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
        jobs.cancelQueued(plan.mac(), "replaced by a new reimage");
        registry.put(plan.withAction(MachinePlan.Action.DEPLOY));
        Job.ImageRef ref = new Job.ImageRef(image.name(), IMAGE_PATH + image.sha256(), image.sha256(),
                image.sizeBytes(), image.compression(), image.blockMap());
        JobRecord r = jobs.enqueue(plan.mac(), plan.name(), id -> {
            latest.put(plan.mac(), id);
            return new Job.DeployImage(id, ref, target, firstBoot);
        });
        events.add(plan.name(), "planned", "reimage with " + image.name() + " (" + image.sha256().substring(0, 12)
                + "...) on " + describe(target) + ": plan is deploy, job " + r.id() + " queued");
        return r;
    }

    @Override
    public void started(JobRecord job) {
        if (job.job() instanceof Job.DeployImage d) {
            events.add(job.machine(), "deploying", "job " + job.id() + " delivered: writing " + d.image().name()
                    + " (" + d.image().sizeBytes() + " bytes) to " + describe(d.target()));
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
