package io.pxereimage.runtime.pool;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.concurrent.Shutdown;
import io.micrometer.core.instrument.MeterRegistry;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Events;
import io.pxereimage.runtime.device.JobQueue;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.device.JobTypes;
import io.pxereimage.runtime.device.Secrets;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.power.PowerDriver;
import io.pxereimage.runtime.power.PowerException;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * Drives pool machines through their lives. A reconciler: every tick (and on every nudge) it reads the machines
 * this runtime owns from the {@link PoolStore} and takes each one step further, from what is stored plus what is
 * running in this process (a power command, a deploy job). Because the stored state is the truth, a restarted
 * runtime simply carries on: a phase whose in-process part was lost (the job queue lives in memory) starts over
 * from {@code leased} or {@code cleaning}.
 *
 * <p>All decisions run on one thread ({@code pxe-pool}); BMC commands, which block for seconds, run on a worker
 * pool and post their outcome back. Leases are granted by the store under its allocation lock, so several
 * runtimes sharing one PostgreSQL inventory never grant a machine twice.
 */
public final class PoolController implements PoolApi, JobQueue.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PoolController.class);
    /** The path of the first-boot ready URL; the token goes in the query string, which is never logged. */
    public static final String READY_PATH = "/api/v1/agent/ready?token=";
    private static final Duration EVENT_PUMP = Duration.ofMillis(250);

    private final PoolStore store;
    private final SiteStore sites;
    private final PoolSettings settings;
    private final Map<String, PoolMachine> machines;
    private final DeployServices deploy;
    private final Clock clock;
    private final Duration tick;
    private final ScheduledExecutorService loop;
    private final PowerCommands powerCommands;

    // Loop-thread state: what runs in this process for each machine.
    /** The deploy, wipe or clean job this process queued for the machine in its current phase. */
    private final Map<String, String> jobs = new HashMap<>();
    /** Machines whose cleanup has been started in this process (jobs queued, power asked). */
    private final Set<String> cleaning = new HashSet<>();
    /** Machines whose OS posted its ready URL before the runtime saw the deploy end (a fast OS, a slow tick). */
    private final Set<String> readyEarly = new HashSet<>();
    /** Machines whose last failure was a configuration error (wrong BMC password): quarantined, not retried. */
    private final Set<String> configErrors = new HashSet<>();

    private final EventFeed feed;
    private volatile PoolMetrics metrics;
    /** How often this site heartbeats its row, and how long the others wait for it (docs/sites.md). */
    private Duration siteHeartbeat = Duration.ofSeconds(5);
    private Duration unreachableAfter = Duration.ofSeconds(30);
    /** When the ended lease states were last counted (a scan, so once a minute; see PoolMetrics). */
    private Instant endedCountedAt = Instant.EPOCH;

    /**
     * @param machines the pool machines this runtime owns (config entries with a {@code bmc})
     * @param driverFactory makes the (retrying) power driver of a machine; called once per machine, lazily
     * @param tick how often machines are reconciled without a nudge (timeouts, heartbeats)
     */
    public PoolController(PoolStore store, PoolSettings settings, List<PoolMachine> machines,
            Function<PoolMachine, PowerDriver> driverFactory, DeployServices deploy, Clock clock, Duration tick) {
        this.store = store;
        this.sites = new SiteStore(store.database());
        this.settings = settings;
        this.machines = new HashMap<>();
        machines.forEach(m -> this.machines.put(m.name(), m));
        this.deploy = deploy;
        this.clock = clock;
        this.tick = tick;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "pxe-pool"));
        this.powerCommands = new PowerCommands(driverFactory, loop);
        this.feed = new EventFeed(store);
        deploy.jobs().addListener(this);
        deploy.events().addListener(this::deployEvent);
    }

    /**
     * The deploy flow's events of a pool machine (agent registered, progress in 10 % steps, verified, ...) become
     * notes of the machine's pool history, so the lease's event stream shows the deploy's progress too.
     */
    private void deployEvent(Events.Event e) {
        if (!machines.containsKey(e.machine())) {
            return;
        }
        try {
            loop.execute(() -> {
                try {
                    Optional<MachineStatus> m = store.machine(e.machine());
                    store.note(e.machine(), m.map(MachineStatus::lease).orElse(null), "deploy", e.phase() + ": "
                            + e.message(), e.time());
                } catch (SQLException ex) {
                    LOG.debug("pool: cannot record deploy event of {}: {}", e.machine(), ex.getMessage());
                }
            });
        } catch (RejectedExecutionException stopping) {
            // closing
        }
    }

    /** Registers the pool's gauges and counters (before {@link #start}). */
    public PoolController withMetrics(MeterRegistry registry) {
        this.metrics = new PoolMetrics(registry);
        return this;
    }

    /**
     * Site liveness (before {@link #start}): this site writes its heartbeat every {@code heartbeat} and asks the other
     * runtimes sharing the store to mark its machines unreachable when none came for {@code unreachableAfter}.
     */
    public PoolController withSiteLiveness(Duration heartbeat, Duration unreachableAfter) {
        if (heartbeat.isZero() || heartbeat.isNegative() || unreachableAfter.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("site: unreachableAfter (" + unreachableAfter.toMillis() + " ms) must be"
                    + " at least twice the heartbeat (" + heartbeat.toMillis() + " ms)");
        }
        this.siteHeartbeat = heartbeat;
        this.unreachableAfter = unreachableAfter;
        return this;
    }

    /** This runtime's site: the owner of its machines. */
    public String site() {
        return settings.owner();
    }

    /**
     * Syncs the configured machines into the store, then starts reconciling and heartbeating the site.
     *
     * @throws PoolStore.SiteConflict when a configured machine belongs to another site
     */
    public void start() throws SQLException {
        List<String> kept = store.sync(List.copyOf(machines.values()), settings.owner(), clock.instant());
        if (sites.heartbeat(settings.owner(), unreachableAfter, clock.instant())) {
            LOG.info("pool: site {} was marked unreachable while this runtime was away; its machines are reachable"
                    + " again", settings.owner());
        }
        kept.forEach(n -> LOG.warn("pool: machine {} is no longer configured but still held; it stays until its"
                + " lease ends", n));
        int lost = store.failUnfinishedJobs("the runtime stopped while the job was queued or running",
                clock.instant());
        if (lost > 0) {
            LOG.info("pool: {} jobs of the previous run marked failed; their machines start their phase again", lost);
        }
        feed.startAfter(store.lastEventSeq());
        LOG.info("pool: {} machines owned by {}, store {}, cleanup {}, ready on {}", machines.size(),
                settings.owner(), store.database().describe(), settings.cleanup().name().toLowerCase(),
                settings.readyOnPhoneHome() ? "phone-home" : "deploy");
        loop.scheduleWithFixedDelay(this::safeTick, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        loop.scheduleWithFixedDelay(this::siteTick, siteHeartbeat.toMillis(), siteHeartbeat.toMillis(),
                TimeUnit.MILLISECONDS);
        loop.scheduleWithFixedDelay(feed::pump, EVENT_PUMP.toMillis(), EVENT_PUMP.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reconcile soon, not at the next tick. */
    private void nudge() {
        try {
            loop.execute(this::safeTick);
        } catch (RejectedExecutionException stopping) {
            // closing
        }
    }

    private void safeTick() {
        try {
            tickOnce();
        } catch (SQLException e) {
            LOG.warn("pool: store unavailable ({}); retrying at the next tick", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("pool: reconcile failed", e);
        }
    }

    /**
     * This site's heartbeat, then the other sites' liveness. On the loop thread on purpose: a heartbeat says that
     * this site's reconciler runs, not merely that its process does.
     */
    private void siteTick() {
        try {
            Instant now = clock.instant();
            if (sites.heartbeat(settings.owner(), unreachableAfter, now)) {
                LOG.warn("pool: site {} had been marked unreachable by another runtime (its heartbeats were late);"
                        + " reachable again", settings.owner());
            }
            for (SiteStatus s : sites.markUnreachable(settings.owner(), now)) {
                LOG.warn("pool: site {} is unreachable: no heartbeat since {} (its timeout {} s); its {} machines are"
                        + " not granted until it is back", s.name(), s.heartbeat(), s.unreachableAfter().toSeconds(),
                        s.machines());
            }
            if (metrics != null) {
                metrics.sites(sites.all(), store.machines());
            }
        } catch (SQLException e) {
            LOG.warn("pool: store unavailable for the site heartbeat ({}); retrying", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("pool: site heartbeat failed", e);
        }
    }

    /** One pass: lease heartbeats and deadlines, grants to waiting leases, then each owned machine. */
    void tickOnce() throws SQLException {
        Instant now = clock.instant();
        for (Lease l : store.overdue(now)) {
            if (l.expires().isBefore(now)) {
                store.end(l.id(), LeaseState.EXPIRED, "heartbeat", "no heartbeat from client " + l.client()
                        + " for " + l.heartbeatSeconds() + " s", now);
            } else {
                store.end(l.id(), LeaseState.FAILED, "timeout", "not ready within its timeout (created "
                        + l.created() + ")" + (l.state() == LeaseState.PENDING && l.message() != null
                        ? "; " + l.message() : ""), now);
            }
        }
        store.grantPending(settings.caps(), now);
        List<MachineStatus> mine = store.machinesOf(settings.owner());
        if (metrics != null) {
            metrics.machines(mine);
            boolean withEnded = now.isAfter(endedCountedAt.plusSeconds(60));
            metrics.leases(store.leaseCounts(withEnded), withEnded);
            if (withEnded) {
                endedCountedAt = now;
            }
        }
        for (MachineStatus m : mine) {
            PoolMachine spec = machines.get(m.name());
            if (spec == null) {
                continue; // removed from the config; the store keeps it until released
            }
            reconcile(spec, m, now);
        }
    }

    private void reconcile(PoolMachine spec, MachineStatus m, Instant now) throws SQLException {
        Duration limit = settings.timeout(m.state());
        if (limit != null && m.since().plus(limit).isBefore(now) && !powerCommands.busy(m.name())) {
            fail(m, "timeout", m.state() + ": timed out after " + limit.toSeconds() + " s" + hint(m.state()), false);
            return;
        }
        switch (m.state()) {
            case LEASED -> startDeploy(spec, m);
            case POWERING -> {
                if (!powerCommands.busy(m.name())) { // the runtime restarted while the BMC was asked
                    restart(m, "the runtime restarted while powering on");
                }
            }
            case NETBOOTING -> {
                Optional<JobRecord.Snapshot> job = job(m);
                if (job.isEmpty()) {
                    restart(m, "the runtime restarted while the machine netbooted");
                } else if (job.get().state() != JobRecord.State.QUEUED) {
                    move(m, MachineState.DEPLOYING, "agent", "the deploy agent took job " + job.get().id(),
                            PoolStore.LeaseEffect.NONE);
                }
            }
            case DEPLOYING -> {
                Optional<JobRecord.Snapshot> job = job(m);
                if (job.isEmpty()) {
                    restart(m, "the runtime restarted during the deploy");
                } else if (job.get().state() == JobRecord.State.SUCCEEDED) {
                    jobs.remove(m.name());
                    Optional<MachineStatus> booting = move(m, MachineState.BOOTING_OS, "agent", "image written and"
                            + " verified; the machine reboots into it", PoolStore.LeaseEffect.NONE);
                    if (booting.isPresent() && !settings.readyOnPhoneHome()) {
                        move(booting.get(), MachineState.READY, "agent", "ready (readyWhen: deployed)",
                                PoolStore.LeaseEffect.READY);
                    } else if (booting.isPresent() && readyEarly.remove(m.name())) {
                        move(booting.get(), MachineState.READY, "os", "the OS is up: it posted its ready URL",
                                PoolStore.LeaseEffect.READY);
                    }
                } else if (job.get().state() == JobRecord.State.FAILED) {
                    fail(m, "deploy", "deploy job " + job.get().id() + " failed: " + job.get().message(), false);
                }
            }
            case RELEASING -> {
                deploy.jobs().cancelQueued(spec.bootMac(), "the lease ended");
                jobs.remove(m.name());
                move(m, MachineState.CLEANING, "cleanup", "cleanup: " + settings.cleanup().name().toLowerCase(),
                        PoolStore.LeaseEffect.NONE);
            }
            case CLEANING -> clean(spec, m);
            case FAILED -> {
                if (!m.since().plusSeconds(settings.retryFailedSeconds()).isAfter(now)
                        && !powerCommands.busy(m.name())) {
                    if (configErrors.contains(m.name()) || m.failures() >= settings.quarantineAfter()) {
                        String why = configErrors.contains(m.name()) ? "a configuration error will not fix itself"
                                : m.failures() + " consecutive failures (quarantineAfter " + settings.quarantineAfter()
                                + ")";
                        move(m, MachineState.QUARANTINED, "failures", "quarantined: " + why + "; last error: "
                                + m.message() + "; an admin clears it with `pool clear " + m.name() + "`",
                                PoolStore.LeaseEffect.NONE);
                    } else {
                        move(m, MachineState.CLEANING, "retry", "cleaning after failure " + m.failures() + " of "
                                + settings.quarantineAfter(), PoolStore.LeaseEffect.NONE);
                    }
                }
            }
            default -> {
                // available, booting-os (waits for the OS), ready (in use), quarantined (waits for an admin)
            }
        }
    }

    // ---- deploy ------------------------------------------------------------------------------------------------

    private void startDeploy(PoolMachine spec, MachineStatus m) throws SQLException {
        Optional<Lease> lease = store.lease(m.lease());
        if (lease.isEmpty()) {
            fail(m, "lease_missing", "lease " + m.lease() + " is missing from the store", false);
            return;
        }
        Lease l = lease.get();
        String imageName = l.image() != null ? l.image() : settings.defaultImage();
        Optional<ImageEntry> image = imageName == null ? Optional.empty() : deploy.images().get(imageName);
        Optional<MachinePlan> plan = deploy.registry().get(spec.bootMac());
        if (image.isEmpty() || plan.isEmpty()) {
            fail(m, "config", image.isEmpty() ? "image " + imageName + " is not in the catalog" : "no boot plan for "
                    + spec.bootMac(), false);
            return;
        }
        String readyUrl = null;
        if (settings.readyOnPhoneHome()) {
            String token = Secrets.newToken();
            store.setReadyToken(l.id(), Secrets.sha256Hex(token));
            readyUrl = READY_PATH + token;
        }
        Lease.FirstBootData fb = l.firstBoot();
        Job.FirstBoot firstBoot = new Job.FirstBoot(fb == null || fb.hostname() == null ? spec.name() : fb.hostname(),
                null, readyUrl, fb == null ? Map.of() : fb.data());
        JobRecord job = deploy.flow().reimage(plan.get(), image.get(), target(spec), firstBoot);
        jobs.put(m.name(), job.id());
        saveJob(job);
        Optional<MachineStatus> powering = move(m, MachineState.POWERING, "lease", "deploy job " + job.id() + " of "
                + image.get().name() + " queued; boot device PXE and power on via " + spec.bmc().driver(),
                PoolStore.LeaseEffect.NONE);
        if (powering.isEmpty()) {
            // Moved on meanwhile (the store gave the lease back while this site was marked unreachable): undo.
            deploy.jobs().cancelQueued(spec.bootMac(), "the machine moved on before its deploy started");
            jobs.remove(m.name());
            deploy.registry().put(plan.get());
            return;
        }
        powerOn(spec, powering.get(), MachineState.NETBOOTING, "the BMC switched the machine on; waiting for its"
                + " deploy agent");
    }

    private void restart(MachineStatus m, String why) throws SQLException {
        jobs.remove(m.name());
        readyEarly.remove(m.name());
        move(m, MachineState.LEASED, "restart", why + ": deploying again", PoolStore.LeaseEffect.NONE);
    }

    // ---- cleanup -----------------------------------------------------------------------------------------------

    private void clean(PoolMachine spec, MachineStatus m) throws SQLException {
        if (powerCommands.busy(m.name())) {
            return;
        }
        if (!cleaning.contains(m.name())) {
            cleaning.add(m.name());
            Optional<MachinePlan> plan = deploy.registry().get(spec.bootMac());
            switch (settings.cleanup()) {
                case OFF -> {
                    powerOff(spec, m, "cleanup off: powered off");
                    return;
                }
                case WIPE -> {
                    if (plan.isEmpty()) {
                        fail(m, "config", "no boot plan for " + spec.bootMac(), false);
                        return;
                    }
                    deploy.jobs().cancelQueued(spec.bootMac(), "a cleanup replaces it");
                    deploy.registry().put(plan.get().withAction(MachinePlan.Action.DEPLOY));
                    Job.Target t = target(spec);
                    JobRecord job = deploy.jobs().enqueue(spec.bootMac(), spec.name(), id -> new Job.Wipe(id, t));
                    jobs.put(m.name(), job.id());
                    saveJob(job);
                }
                case REIMAGE -> {
                    Optional<ImageEntry> image = deploy.images().get(settings.cleanImage());
                    if (plan.isEmpty() || image.isEmpty()) {
                        fail(m, "config", image.isEmpty() ? "clean image " + settings.cleanImage() + " is not in the catalog"
                                : "no boot plan for " + spec.bootMac(), false);
                        return;
                    }
                    JobRecord job = deploy.flow().reimage(plan.get(), image.get(), target(spec),
                            new Job.FirstBoot(spec.name(), null, null, Map.of()));
                    jobs.put(m.name(), job.id());
                    saveJob(job);
                }
                default -> throw new IllegalStateException();
            }
            note(m, "power", "cleanup job " + jobs.get(m.name()) + " queued; boot device PXE and power on via "
                    + spec.bmc().driver());
            powerOn(spec, m, null, null);
            return;
        }
        Optional<JobRecord.Snapshot> job = job(m);
        if (settings.cleanup() == PoolSettings.Cleanup.OFF) {
            return; // waiting for the power-off
        }
        if (job.isEmpty()) {
            cleaning.remove(m.name()); // lost (restart): start the cleanup again at the next tick
            return;
        }
        if (job.get().state() == JobRecord.State.SUCCEEDED) {
            jobs.remove(m.name());
            deploy.registry().get(spec.bootMac()).ifPresent(p ->
                    deploy.registry().put(p.withAction(MachinePlan.Action.LOCAL)));
            powerOff(spec, m, "cleanup job " + job.get().id() + " done; powered off");
        } else if (job.get().state() == JobRecord.State.FAILED) {
            fail(m, "cleanup", "cleanup job " + job.get().id() + " failed: " + job.get().message(), false);
        }
    }

    // ---- power -------------------------------------------------------------------------------------------------

    /** Boot device PXE once, then on (or cycle when it is on); {@code next} follows on success unless null. */
    private void powerOn(PoolMachine spec, MachineStatus m, MachineState next, String message) {
        runPower(spec, m, PowerCommands.PXE_ON, after -> {
            if (next != null) {
                move(after, next, "power", message, PoolStore.LeaseEffect.NONE);
            }
        });
    }

    private void powerOff(PoolMachine spec, MachineStatus m, String message) {
        runPower(spec, m, d -> {
            try {
                d.off();
            } catch (PowerException e) {
                if (e.kind() != PowerException.Kind.UNSUPPORTED) {
                    throw e;
                }
                // Wake-on-LAN cannot switch off: the deploy agent, still up after the cleanup, does it.
                deploy.jobs().enqueue(spec.bootMac(), spec.name(), Job.PowerOff::new);
            }
        }, after -> {
            cleaning.remove(after.name());
            move(after, MachineState.AVAILABLE, "cleanup", message, PoolStore.LeaseEffect.NONE);
        });
    }

    @FunctionalInterface
    private interface AfterPower {
        void run(MachineStatus m) throws SQLException;
    }

    /**
     * A BMC command; on success {@code after} runs on the loop with the machine as it is then (skipped if it has
     * moved on, e.g. released meanwhile); on failure the machine fails with the BMC's words.
     */
    private void runPower(PoolMachine spec, MachineStatus m, PowerCommands.Work work, AfterPower after) {
        long version = m.version();
        powerCommands.run(spec, work, failure -> {
            try {
                Optional<MachineStatus> now = store.machine(m.name());
                if (now.isEmpty() || now.get().version() != version) {
                    return; // moved on meanwhile (released, timed out): this outcome is stale
                }
                if (failure != null) {
                    boolean config = failure.kind() == PowerException.Kind.AUTH
                            || failure.kind() == PowerException.Kind.UNSUPPORTED;
                    fail(now.get(), "power_" + failure.kind().name().toLowerCase(Locale.ROOT), "BMC (" + spec.bmc().driver() + " " + spec.bmc().address() + "): "
                            + failure.getMessage(), config);
                } else {
                    after.run(now.get());
                }
            } catch (SQLException e) {
                LOG.warn("pool: store unavailable after a power command on {}: {}", m.name(), e.getMessage());
            }
        });
    }

    // ---- transitions -------------------------------------------------------------------------------------------

    private Optional<MachineStatus> move(MachineStatus m, MachineState to, String cause, String message,
            PoolStore.LeaseEffect effect) throws SQLException {
        Optional<MachineStatus> after = store.move(m.name(), m.version(), to, cause, message, effect, clock.instant());
        if (after.isPresent()) {
            if (metrics != null) {
                metrics.moved(to);
            }
            if (to == MachineState.READY) {
                PoolMachine spec = machines.get(m.name());
                if (spec != null) {
                    deploy.boots().reached(spec.bootMac(), BootTimeline.Phase.READY);
                }
            }
            LOG.info("pool {}: {} -> {}{}: {}", m.name(), m.state(), to, m.lease() == null ? ""
                    : " (lease " + m.lease() + ")", message);
            nudge();
        }
        return after;
    }

    /** The machine fails; its lease, if any, fails with it. Jobs of the phase are dropped. */
    /** @param cause the metric label of {@code pxe_pool_failures_total}: timeout, deploy, cleanup, power_auth, ... */
    private void fail(MachineStatus m, String cause, String why, boolean configError) throws SQLException {
        if (metrics != null) {
            metrics.failed(cause);
        }
        PoolMachine spec = machines.get(m.name());
        if (spec != null) {
            deploy.jobs().cancelQueued(spec.bootMac(), "the machine failed");
        }
        jobs.remove(m.name());
        cleaning.remove(m.name());
        readyEarly.remove(m.name());
        if (configError) {
            configErrors.add(m.name());
        } else {
            configErrors.remove(m.name());
        }
        move(m, MachineState.FAILED, "failure", why, PoolStore.LeaseEffect.FAIL);
    }

    private void note(MachineStatus m, String cause, String message) throws SQLException {
        store.note(m.name(), m.lease(), cause, message, clock.instant());
    }

    private Optional<JobRecord.Snapshot> job(MachineStatus m) {
        String id = jobs.get(m.name());
        return id == null ? Optional.empty() : deploy.jobs().get(id).map(JobRecord::snapshot);
    }

    private static Job.Target target(PoolMachine spec) {
        return spec.disk() == null ? new Job.Target(null, "smallest-fit") : Job.Target.device(spec.disk());
    }

    private static String hint(MachineState s) {
        return switch (s) {
            case POWERING -> " (the BMC did not answer)";
            case NETBOOTING -> " (no deploy agent took the job: check the BMC's boot device, DHCP/PXE on the"
                    + " machine's network and the deploy environment)";
            case BOOTING_OS -> " (the OS did not post its first-boot ready URL)";
            default -> "";
        };
    }

    // ---- jobs: persisted for the record --------------------------------------------------------------------

    @Override
    public void started(JobRecord job) {
        saveJob(job);
        nudge();
    }

    @Override
    public void finished(JobRecord job) {
        saveJob(job);
        nudge();
    }

    private void saveJob(JobRecord job) {
        JobRecord.Snapshot s = job.snapshot();
        try {
            store.saveJob(s.id(), s.machine(), JobTypes.name(job.job()), s.state().name().toLowerCase(), s.message(),
                    s.created(), s.started(), s.finished());
        } catch (SQLException e) {
            LOG.warn("pool: cannot record job {}: {}", s.id(), e.getMessage());
        }
    }

    // ---- PoolApi -----------------------------------------------------------------------------------------------

    @Override
    public Lease lease(LeaseRequest r) throws PoolStore.CapExceeded {
        if (r.client() == null || r.client().isBlank() || r.client().length() > 256) {
            throw new IllegalArgumentException("client: required (who asks, 1..256 characters)");
        }
        LabelExpression labels = LabelExpression.parse(r.labels());
        String image = r.image() != null ? r.image() : settings.defaultImage();
        if (image == null) {
            throw new IllegalArgumentException("image: required (the pool has no defaultImage)");
        }
        if (deploy.images().get(image).isEmpty()) {
            throw new IllegalArgumentException("image: no image " + image + " in the catalog");
        }
        if (r.hostname() != null && !r.hostname().matches("[A-Za-z0-9][A-Za-z0-9.-]{0,252}")) {
            throw new IllegalArgumentException("hostname: not a host name");
        }
        int heartbeat = r.heartbeatSeconds() == null ? settings.heartbeatSeconds() : r.heartbeatSeconds();
        if (heartbeat < 2 || heartbeat > 86_400) {
            throw new IllegalArgumentException("heartbeatSeconds: " + heartbeat + " is outside 2..86400");
        }
        int timeout = r.timeoutSeconds() == null ? settings.leaseTimeoutSeconds() : r.timeoutSeconds();
        if (timeout < 1 || timeout > 604_800) {
            throw new IllegalArgumentException("timeoutSeconds: " + timeout + " is outside 1..604800");
        }
        PoolStore.NewLease n = new PoolStore.NewLease(r.client(), labels, image,
                new Lease.FirstBootData(r.hostname(), r.data()), r.waitForMachine() == null || r.waitForMachine(),
                heartbeat, timeout, settings.owner());
        try {
            Lease l = store.create(n, settings.caps(), clock.instant());
            LOG.info("pool: lease {} for client {} ({}): {}{}", l.id(), l.client(), labels, l.state(),
                    l.machine() == null ? "" : " on " + l.machine());
            nudge();
            return l;
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<Lease> lease(String id) {
        return call(() -> store.lease(id));
    }

    @Override
    public List<Lease> leases(String client, LeaseState state) {
        return call(() -> store.leases(client, state, 1000));
    }

    @Override
    public Optional<Lease> heartbeat(String id) {
        return call(() -> store.heartbeat(id, clock.instant()));
    }

    @Override
    public Optional<Lease> release(String id) {
        Optional<Lease> l = call(() -> store.end(id, LeaseState.RELEASED, "api", "released by its client",
                clock.instant()));
        nudge();
        return l;
    }

    @Override
    public List<MachineStatus> machines() {
        return call(store::machines);
    }

    @Override
    public List<SiteStatus> sites() {
        return call(sites::all);
    }

    @Override
    public Optional<MachineStatus> clear(String machine) {
        return onLoop(() -> {
            Optional<MachineStatus> m = store.machine(machine);
            if (m.isEmpty()) {
                return m;
            }
            if (m.get().state() != MachineState.QUARANTINED && m.get().state() != MachineState.FAILED) {
                throw new IllegalStateException("machine " + machine + " is " + m.get().state()
                        + ": only failed or quarantined machines are cleared");
            }
            configErrors.remove(machine);
            Optional<MachineStatus> moved = move(m.get(), MachineState.CLEANING, "admin",
                    "cleared by an admin: cleaning", PoolStore.LeaseEffect.NONE);
            return moved.isPresent() ? moved : store.machine(machine);
        });
    }

    @Override
    public Optional<MachineStatus> quarantine(String machine, String why) {
        return onLoop(() -> {
            Optional<MachineStatus> m = store.machine(machine);
            if (m.isEmpty()) {
                return m;
            }
            if (m.get().state() != MachineState.AVAILABLE && m.get().state() != MachineState.FAILED) {
                throw new IllegalStateException("machine " + machine + " is " + m.get().state()
                        + ": only available or failed machines are quarantined");
            }
            Optional<MachineStatus> moved = move(m.get(), MachineState.QUARANTINED, "admin",
                    "quarantined by an admin: " + (why == null ? "no reason given" : why), PoolStore.LeaseEffect.NONE);
            return moved.isPresent() ? moved : store.machine(machine);
        });
    }

    @Override
    public String defaultImage() {
        return settings.defaultImage();
    }

    @Override
    public CompletableFuture<Optional<MachineStatus>> powerCycle(String machine) {
        CompletableFuture<Optional<MachineStatus>> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    PoolMachine spec = machines.get(machine);
                    Optional<MachineStatus> m = store.machine(machine);
                    if (m.isEmpty()) {
                        done.complete(m);
                        return;
                    }
                    if (spec == null) {
                        throw new IllegalStateException("machine " + machine + " is driven by site " + m.get().owner()
                                + ", not this runtime: power-cycle it there");
                    }
                    if (powerCommands.busy(machine)) {
                        throw new IllegalStateException("machine " + machine + ": a power command is under way ("
                                + m.get().state() + "); try again when it is done");
                    }
                    note(m.get(), "admin", "power cycle asked by an admin via " + spec.bmc().driver());
                    // Not through runPower: an admin's cycle must not fail the machine or move its lease.
                    powerCommands.run(spec, PowerCommands.CYCLE, failure -> {
                        try {
                            Optional<MachineStatus> now = store.machine(machine);
                            if (failure != null) {
                                note(now.orElse(m.get()), "admin", "power cycle failed: BMC (" + spec.bmc().driver()
                                        + " " + spec.bmc().address() + "): " + failure.getMessage());
                                done.completeExceptionally(new PowerFailed("power-cycle: BMC (" + spec.bmc().driver()
                                        + "): " + failure.getMessage(), failure));
                            } else {
                                note(now.orElse(m.get()), "admin", "power cycled by an admin");
                                done.complete(now);
                            }
                        } catch (SQLException e) {
                            done.completeExceptionally(unavailable(e));
                        }
                    });
                } catch (SQLException e) {
                    done.completeExceptionally(unavailable(e));
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException stopping) {
            done.completeExceptionally(new PoolUnavailable("the runtime is stopping", stopping));
        }
        return done;
    }

    @Override
    public boolean ready(String token) {
        if (token == null || token.isBlank()) {
            return false;
        }
        return onLoop(() -> {
            Optional<Lease> l = store.leaseByReadyToken(Secrets.sha256Hex(token));
            if (l.isEmpty() || l.get().machine() == null) {
                return false;
            }
            Optional<MachineStatus> m = store.machine(l.get().machine());
            if (m.isEmpty() || !l.get().id().equals(m.get().lease())) {
                return false;
            }
            if (m.get().state() == MachineState.BOOTING_OS) {
                move(m.get(), MachineState.READY, "os", "the OS is up: it posted its ready URL",
                        PoolStore.LeaseEffect.READY);
            } else if (m.get().state() == MachineState.DEPLOYING) {
                readyEarly.add(m.get().name()); // taken when the deploy's end is seen
            }
            return true;
        });
    }

    @Override
    public List<PoolEvent> events(long afterSeq, String machine, String lease, int limit) {
        return call(() -> store.events(afterSeq, machine, lease, limit));
    }

    @Override
    public AutoCloseable subscribe(long afterSeq, Consumer<PoolEvent> sink) {
        return call(() -> feed.subscribe(afterSeq, sink));
    }

    // ---- plumbing -----------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface StoreCall<T> {
        T run() throws SQLException;
    }

    private static <T> T call(StoreCall<T> c) {
        try {
            return c.run();
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    /** Runs on the loop thread (admin actions touch loop state) and waits for the answer. */
    private <T> T onLoop(StoreCall<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(c.run());
            } catch (SQLException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw unavailable(s);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new PoolUnavailable("the pool loop is busy", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolUnavailable("interrupted", e);
        }
    }

    private static PoolUnavailable unavailable(SQLException e) {
        return new PoolUnavailable("store: " + e.getMessage(), e);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        powerCommands.close();
        feed.close();
        // Never interrupt a thread inside a database transaction: a tick in flight commits before the store closes.
        Shutdown.finishRunning(loop, "pool loop");
    }

    /** Machines this runtime drives (for metrics and tests). */
    public List<String> owned() {
        return new ArrayList<>(machines.keySet());
    }
}
