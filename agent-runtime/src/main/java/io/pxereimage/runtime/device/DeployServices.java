package io.pxereimage.runtime.device;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.micrometer.core.instrument.MeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.concurrent.Shutdown;
import io.pxereimage.runtime.timeline.BootTimeline;
import io.pxereimage.runtime.image.ImageCatalog;
import io.pxereimage.runtime.image.ImageImporter;

/**
 * Everything the deploy side of the runtime shares, built once per runtime over one data directory:
 * {@code sessions.json}, {@code plans.json}, {@code events.jsonl}, {@code images.json} and the image cache.
 * The HTTP layer takes it whole; {@link #close()} stops its two threads (long-poll timer, image worker).
 */
public final class DeployServices implements AutoCloseable {
    private final Clock clock;
    private final AgentSettings settings;
    private final MachineRegistry registry;
    private final Events events;
    private final BootTokens tokens;
    private final AgentSessions sessions;
    private final JobQueue jobs;
    private final ImageCatalog images;
    private final ImageImporter importer;
    private final DeployFlow flow;
    private final DeployBoot deployBoot;
    private final ScheduledExecutorService timer;
    private final ExecutorService worker;
    private final DeployMetrics metrics;
    private final BootTimeline boots;

    /**
     * @param dataDir where state lives (created on first write)
     * @param registry the runtime's plans; changes made at runtime are persisted from now on
     * @param environment the deploy kernel/initrds/cmdline, or {@code null} when not configured
     * @param meters where {@link DeployMetrics} register
     */
    public DeployServices(Path dataDir, Clock clock, MachineRegistry registry, BootSpec environment,
            AgentSettings settings, MeterRegistry meters) {
        this(dataDir, clock, registry, environment, settings, meters, new BootTimeline(meters, clock));
    }

    /** @param boots the runtime's boot timeline: agents registering and images written are phases of a boot */
    public DeployServices(Path dataDir, Clock clock, MachineRegistry registry, BootSpec environment,
            AgentSettings settings, MeterRegistry meters, BootTimeline boots) {
        this.clock = clock;
        this.boots = boots;
        this.settings = settings;
        this.registry = registry;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "pxe-jobs-timer"));
        this.worker = Executors.newFixedThreadPool(2, r -> daemon(r, "pxe-image-worker"));
        this.events = new Events(dataDir.resolve("events.jsonl"), clock);
        this.tokens = new BootTokens(dataDir.resolve("boot-tokens.json"), clock, BootTokens.DEFAULT_TTL);
        this.sessions = new AgentSessions(dataDir.resolve("sessions.json"), clock);
        this.jobs = new JobQueue(clock, timer);
        this.images = new ImageCatalog(dataDir);
        this.importer = new ImageImporter(images, clock);
        new PlanStore(dataDir.resolve("plans.json")).attach(registry);
        this.flow = new DeployFlow(registry, jobs, events);
        this.deployBoot = new DeployBoot(environment, tokens, events);
        this.metrics = new DeployMetrics(meters, sessions, jobs, boots);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public Clock clock() {
        return clock;
    }

    public AgentSettings settings() {
        return settings;
    }

    public MachineRegistry registry() {
        return registry;
    }

    public Events events() {
        return events;
    }

    public BootTokens tokens() {
        return tokens;
    }

    public AgentSessions sessions() {
        return sessions;
    }

    public JobQueue jobs() {
        return jobs;
    }

    public ImageCatalog images() {
        return images;
    }

    public ImageImporter importer() {
        return importer;
    }

    public DeployFlow flow() {
        return flow;
    }

    public DeployMetrics metrics() {
        return metrics;
    }

    public BootTimeline boots() {
        return boots;
    }

    public DeployBoot deployBoot() {
        return deployBoot;
    }

    /** Runs blocking work (image import) off the network threads. */
    public ExecutorService worker() {
        return worker;
    }

    @Override
    public void close() {
        Shutdown.interrupt(timer, "job long-poll timer");
        Shutdown.finishRunning(worker, "image worker"); // it writes into the image cache
        events.close();
    }
}
