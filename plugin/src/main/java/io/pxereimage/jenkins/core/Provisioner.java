package io.pxereimage.jenkins.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud's provisioning without Jenkins types: which template serves a label, how many machines to lease, the
 * leases' lives (ready, heartbeats, launch timeout, release) and each template's backoff.
 *
 * <p><b>Caps.</b> Every lease this provisioner holds, from the moment {@link #provision} decides on it (before the
 * runtime has even been asked) until it is released or ends, is an entry in one map guarded by one lock; caps
 * (cloud-wide and per template) are checked and the entries added under that lock, so concurrent calls never
 * lease more than the caps allow, whether the leases are in flight or live.
 *
 * <p><b>Backoff.</b> A lease that cannot be created, fails or expires before it is ready, or whose agent does not
 * connect within the launch timeout, is a failure of its template. After {@code failuresBeforeBackoff} in a row
 * the template backs off exponentially ({@link Backoff}); meanwhile {@link #canProvision} is false for labels only
 * it serves, and {@link #status} says why and until when.
 *
 * <p>One scheduler thread checks leases in flight, sends heartbeats every third of the heartbeat period and
 * applies the launch timeout; lease creation runs on a separate pool so that {@link #provision} never waits for the
 * runtime.
 */
public final class Provisioner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);

    /** Jenkins computes the inbound agent's secret from the node name ({@code getJnlpMac}). */
    @FunctionalInterface
    public interface AgentSecrets {
        String secretFor(String nodeName);
    }

    /** What Jenkins must do when the provisioner gives a node up. */
    public interface Listener {
        /** The node's lease is gone (released after the launch timeout, expired, failed): remove the node. */
        default void leaseLost(String nodeName, String leaseId, String reason) {
        }
    }

    /** Where a held lease is in its life. */
    public enum Phase {
        /** decided on, the runtime not yet asked (or answering) */
        RESERVED,
        /** the runtime has it: pending or provisioning */
        PROVISIONING,
        /** ready; the agent has not connected yet (the launch timeout runs) */
        READY,
        /** the agent connected (or the node was adopted after a restart with its agent online) */
        CONNECTED
    }

    /** A template as the UI shows it. */
    public record TemplateStatus(String name, int inFlight, int live, int instanceCap, int consecutiveFailures,
            String lastFailure, Instant backingOffUntil, boolean backingOff) {
    }

    /** The cloud as the UI shows it. */
    public record Status(int inFlight, int live, int instanceCap, List<TemplateStatus> templates) {
    }

    /** A lease this provisioner holds, by node name. Mutable fields are changed under {@link #lock}. */
    private static final class Held {
        final String node;
        final Template template; // null: adopted lease of a template that no longer exists
        final CompletableFuture<PlannedLease.Ready> ready = new CompletableFuture<>();
        String leaseId;
        String machine;
        Phase phase;
        int heartbeatSeconds;
        Instant readyAt;
        Instant lastHeartbeat = Instant.EPOCH;
        boolean released;

        Held(String node, Template template, Phase phase) {
            this.node = node;
            this.template = template;
            this.phase = phase;
        }

        boolean inFlight() {
            return phase == Phase.RESERVED || phase == Phase.PROVISIONING;
        }
    }

    private final RuntimeClient runtime;
    private final CloudSettings settings;
    private final List<Template> templates;
    private final AgentSecrets secrets;
    private final Listener listener;
    private final Clock clock;
    private final Object lock = new Object();
    private final Map<String, Held> held = new LinkedHashMap<>();
    private final Map<String, Backoff> backoffs = new HashMap<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService creators;
    private volatile boolean closed;

    public Provisioner(RuntimeClient runtime, CloudSettings settings, List<Template> templates, AgentSecrets secrets,
            Listener listener, Clock clock) {
        this.runtime = Objects.requireNonNull(runtime);
        this.settings = Objects.requireNonNull(settings);
        this.templates = List.copyOf(templates);
        this.secrets = Objects.requireNonNull(secrets);
        this.listener = listener == null ? new Listener() { } : listener;
        this.clock = clock;
        List<String> names = this.templates.stream().map(Template::name).toList();
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("templates: names must be unique: " + names);
        }
        for (Template t : this.templates) {
            backoffs.put(t.name(), new Backoff(settings.failuresBeforeBackoff(), settings.backoffBase(),
                    settings.backoffMax()));
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("pxe-reimage-leases-" + settings.clientId()));
        this.creators = Executors.newCachedThreadPool(daemon("pxe-reimage-create-" + settings.clientId()));
        long every = settings.pollInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    public CloudSettings settings() {
        return settings;
    }

    public List<Template> templates() {
        return templates;
    }

    /** Whether a template serves {@code label} and is not backing off. Caps do not matter here: they may free up. */
    public boolean canProvision(String label) {
        Instant now = clock.instant();
        synchronized (lock) {
            return templates.stream().anyMatch(t -> t.satisfies(label) && !backoffs.get(t.name()).open(now));
        }
    }

    /**
     * Plans leases for {@code excessWorkload} executors of work needing {@code label}: templates in their order,
     * each up to its cap and the cloud's. Returns at once; the leases are created on another thread.
     */
    public List<PlannedLease> provision(String label, int excessWorkload) {
        List<Held> planned = new ArrayList<>();
        Instant now = clock.instant();
        synchronized (lock) {
            int remaining = excessWorkload;
            for (Template t : templates) {
                if (remaining <= 0) {
                    break;
                }
                Backoff b = backoffs.get(t.name());
                if (!t.satisfies(label) || b.open(now)) {
                    continue;
                }
                while (remaining > 0 && room(t) && !(b.halfOpen(now) && inFlight(t) > 0)) {
                    Held h = new Held(newName(t), t, Phase.RESERVED);
                    held.put(h.node, h);
                    planned.add(h);
                    remaining -= t.numExecutors();
                }
            }
        }
        List<PlannedLease> out = new ArrayList<>();
        for (Held h : planned) {
            LOG.info("provisioning {} (template {}) for label '{}'", h.node, h.template.name(), label);
            out.add(new PlannedLease(h.node, h.template, h.ready));
            creators.execute(() -> create(h));
        }
        return out;
    }

    /** Under the lock: is there room for one more lease of {@code t}, in flight counted? */
    private boolean room(Template t) {
        if (settings.instanceCap() > 0 && held.size() >= settings.instanceCap()) {
            return false;
        }
        return t.instanceCap() == 0 || count(t) < t.instanceCap();
    }

    private long count(Template t) {
        return held.values().stream().filter(h -> h.template == t).count();
    }

    private long inFlight(Template t) {
        return held.values().stream().filter(h -> h.template == t && h.inFlight()).count();
    }

    private String newName(Template t) {
        String name;
        do {
            name = t.name() + "-" + String.format("%08x", ThreadLocalRandom.current().nextInt());
        } while (held.containsKey(name));
        return name;
    }

    /** The template a node name belongs to ({@code NAME-xxxxxxxx}), if any. */
    Optional<Template> templateOf(String nodeName) {
        if (nodeName == null || !nodeName.matches(".+-[0-9a-f]{8}")) {
            return Optional.empty();
        }
        String prefix = nodeName.substring(0, nodeName.length() - 9);
        return templates.stream().filter(t -> t.name().equals(prefix)).findFirst();
    }

    /** The first-boot data the machine's agent starts from (values may be secrets: the runtime never shows them). */
    Map<String, String> firstBootData(Held h) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("jenkinsUrl", settings.jenkinsUrl());
        data.put("agentName", h.node);
        data.put("agentSecret", Objects.requireNonNull(secrets.secretFor(h.node), "agent secret"));
        data.put("agentWorkDir", h.template.remoteFS());
        if (h.template.jvmOptions() != null) {
            data.put("agentJvmOptions", h.template.jvmOptions());
        }
        return data;
    }

    private void create(Held h) {
        RuntimeClient.Lease lease;
        try {
            lease = runtime.create(new RuntimeClient.LeaseRequest(h.template.machineLabels(), h.template.image(),
                    h.node, firstBootData(h), settings.clientId(), true, settings.readyTimeoutSeconds(),
                    settings.heartbeatSeconds()));
        } catch (RuntimeApiException | RuntimeException e) {
            fail(h, "cannot lease a machine: " + e.getMessage());
            return;
        }
        boolean releaseNow;
        synchronized (lock) {
            h.leaseId = lease.id();
            h.heartbeatSeconds = lease.heartbeatSeconds();
            h.lastHeartbeat = clock.instant();
            releaseNow = h.released;
            if (!releaseNow && !lease.ended()) {
                h.phase = Phase.PROVISIONING;
            }
        }
        if (releaseNow) {
            releaseAtRuntime(h.leaseId, h.node);
        } else if (lease.ended()) {
            fail(h, "lease " + lease.id() + " " + lease.state() + ": " + lease.message());
        } else {
            LOG.info("{}: lease {} {}{}", h.node, lease.id(), lease.state(),
                    lease.machine() == null ? "" : " on " + lease.machine());
        }
    }

    /** A lease that will not become a node: forget it, count the failure, fail its future. */
    private void fail(Held h, String why) {
        Instant now = clock.instant();
        synchronized (lock) {
            held.remove(h.node, h);
            if (h.template != null && !closed) { // a call cut short by close() says nothing about the template
                backoffs.get(h.template.name()).failed(why, now);
            }
        }
        LOG.warn("{} (template {}): {}", h.node, h.template == null ? "-" : h.template.name(), why);
        h.ready.completeExceptionally(new PlannedLease.ProvisioningException(h.node + ": " + why));
    }

    /** The agent of {@code nodeName} connected: its launch timeout stops. */
    public void connected(String nodeName) {
        synchronized (lock) {
            Held h = held.get(nodeName);
            if (h != null && h.phase == Phase.READY) {
                h.phase = Phase.CONNECTED;
                LOG.info("{}: agent connected", nodeName);
            }
        }
    }

    /**
     * Releases the lease of a node (it terminated, or the reconciler found it without a node): the runtime cleans
     * the machine. False when this provisioner holds no lease for the node.
     */
    public boolean release(String nodeName, String why) {
        Held h;
        boolean now;
        synchronized (lock) {
            h = held.remove(nodeName);
            if (h == null) {
                return false;
            }
            h.released = true;
            now = h.leaseId != null;
        }
        LOG.info("{}: releasing lease {} ({})", nodeName, h.leaseId == null ? "(being created)" : h.leaseId, why);
        h.ready.completeExceptionally(new PlannedLease.ProvisioningException(nodeName + ": released: " + why));
        if (now) {
            releaseAtRuntime(h.leaseId, nodeName);
        } // else create() releases it when the runtime answers
        return true;
    }

    private void releaseAtRuntime(String leaseId, String node) {
        try {
            runtime.release(leaseId);
        } catch (RuntimeApiException e) {
            // Not lost: without heartbeats the lease expires, and the reconciler releases leases without nodes.
            LOG.warn("{}: cannot release lease {} now: {}", node, leaseId, e.getMessage());
        }
    }

    /**
     * Takes over a lease this provisioner does not hold yet (after a controller restart: the node survived, this
     * process's memory did not). Its heartbeats resume at once; it counts against the caps.
     *
     * @param agentConnected whether the node's agent is online; if not, the launch timeout runs from now
     * @return false when it was held already
     */
    public boolean adopt(RuntimeClient.Lease lease, boolean agentConnected) {
        synchronized (lock) {
            if (held.containsKey(lease.hostname()) || lease.ended()) {
                return false;
            }
            Phase phase = !lease.ready() ? Phase.PROVISIONING : agentConnected ? Phase.CONNECTED : Phase.READY;
            Held h = new Held(lease.hostname(), templateOf(lease.hostname()).orElse(null), phase);
            h.leaseId = lease.id();
            h.machine = lease.machine();
            h.heartbeatSeconds = lease.heartbeatSeconds();
            h.readyAt = clock.instant();
            held.put(h.node, h);
        }
        LOG.info("{}: adopted lease {} ({}, agent {})", lease.hostname(), lease.id(), lease.state(),
                agentConnected ? "connected" : "not connected");
        return true;
    }

    /** The phase of the lease held for {@code nodeName}, if any. */
    public Optional<Phase> phase(String nodeName) {
        synchronized (lock) {
            Held h = held.get(nodeName);
            return h == null ? Optional.empty() : Optional.of(h.phase);
        }
    }

    /** The node name of a held lease, if this provisioner holds it. */
    Optional<String> nodeOfLease(String leaseId) {
        synchronized (lock) {
            return held.values().stream().filter(h -> leaseId.equals(h.leaseId)).map(h -> h.node).findFirst();
        }
    }

    public Status status() {
        Instant now = clock.instant();
        synchronized (lock) {
            List<TemplateStatus> ts = new ArrayList<>();
            for (Template t : templates) {
                Backoff b = backoffs.get(t.name());
                int inFlight = (int) inFlight(t);
                ts.add(new TemplateStatus(t.name(), inFlight, (int) count(t) - inFlight, t.instanceCap(),
                        b.failures(), b.reason(), b.open(now) ? b.until() : null, b.open(now)));
            }
            int inFlight = (int) held.values().stream().filter(Held::inFlight).count();
            return new Status(inFlight, held.size() - inFlight, settings.instanceCap(), ts);
        }
    }

    // ---- the scheduler's work --------------------------------------------------------------------------------

    private void tick() {
        List<Held> snapshot;
        synchronized (lock) {
            snapshot = new ArrayList<>(held.values());
        }
        for (Held h : snapshot) {
            try {
                check(h);
            } catch (RuntimeApiException e) {
                // The runtime is unreachable or refusing: try again next tick (the lease's heartbeat period is
                // three ticks of heartbeats long, so one missed call loses nothing).
                LOG.warn("{}: lease {}: {}", h.node, h.leaseId, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected error checking lease {}", h.node, h.leaseId, e);
            }
        }
    }

    private void check(Held h) throws RuntimeApiException {
        String leaseId;
        Phase phase;
        boolean heartbeatDue;
        Instant now = clock.instant();
        synchronized (lock) {
            if (held.get(h.node) != h || h.leaseId == null) {
                return; // released meanwhile, or not created yet
            }
            leaseId = h.leaseId;
            phase = h.phase;
            heartbeatDue = Duration.between(h.lastHeartbeat, now).toMillis() * 3 >= h.heartbeatSeconds * 1000L;
        }
        if (heartbeatDue) {
            RuntimeClient.Lease l;
            try {
                l = runtime.heartbeat(leaseId);
            } catch (RuntimeApiException e) {
                if (e.status() == 404) { // the runtime lost it (a new store?): it will never come back
                    lost(h, "lease " + leaseId + " is unknown to the runtime");
                    return;
                }
                throw e;
            }
            synchronized (lock) {
                h.lastHeartbeat = now;
            }
            if (l.ended()) {
                lost(h, "lease " + leaseId + " " + l.state() + ": " + l.message());
                return;
            }
        }
        if (phase == Phase.PROVISIONING) {
            Optional<RuntimeClient.Lease> l = runtime.lease(leaseId);
            if (l.isEmpty()) {
                lost(h, "lease " + leaseId + " is unknown to the runtime");
            } else if (l.get().ended()) {
                lost(h, "lease " + leaseId + " " + l.get().state() + ": " + l.get().message());
            } else if (l.get().ready()) {
                ready(h, l.get());
            }
        } else if (phase == Phase.READY) {
            Instant readyAt;
            synchronized (lock) {
                readyAt = h.readyAt;
            }
            if (Duration.between(readyAt, now).compareTo(settings.launchTimeout()) >= 0) {
                String why = "launch timeout: the agent did not connect within " + settings.launchTimeout().toSeconds()
                        + " s of the machine being ready";
                synchronized (lock) {
                    if (h.template != null) {
                        backoffs.get(h.template.name()).failed(why, now);
                    }
                }
                if (release(h.node, why)) {
                    listener.leaseLost(h.node, leaseId, why);
                }
            }
        }
    }

    private void ready(Held h, RuntimeClient.Lease l) {
        synchronized (lock) {
            if (held.get(h.node) != h) {
                return;
            }
            h.phase = Phase.READY;
            h.readyAt = clock.instant();
            h.machine = l.machine();
            if (h.template != null) {
                backoffs.get(h.template.name()).succeeded();
            }
        }
        LOG.info("{}: lease {} ready on {}", h.node, l.id(), l.machine());
        h.ready.complete(new PlannedLease.Ready(h.node, h.template, l.id(), l.machine()));
    }

    /** The runtime ended the lease (failed, expired, released by someone else). */
    private void lost(Held h, String why) {
        boolean wasInFlight;
        synchronized (lock) {
            if (held.get(h.node) != h) {
                return;
            }
            wasInFlight = h.inFlight();
        }
        if (wasInFlight) {
            fail(h, why); // a provisioning failure: counts for the template's backoff
        } else {
            synchronized (lock) {
                held.remove(h.node, h);
            }
            LOG.warn("{}: {}", h.node, why);
            listener.leaseLost(h.node, h.leaseId, why);
        }
    }

    /**
     * Stops heartbeats and checks; leases stay at the runtime (a restarting controller adopts them). Futures of
     * leases in flight fail.
     */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        creators.shutdownNow();
        List<Held> open;
        synchronized (lock) {
            open = new ArrayList<>(held.values());
        }
        open.forEach(h -> h.ready.completeExceptionally(
                new PlannedLease.ProvisioningException(h.node + ": the provisioner stopped")));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
