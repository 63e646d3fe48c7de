package io.pxereimage.runtime.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.pxereimage.runtime.pool.Lease;
import io.pxereimage.runtime.pool.LeaseState;
import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.pool.MachineStatus;
import io.pxereimage.runtime.pool.PoolApi;
import io.pxereimage.runtime.pool.PoolEvent;
import io.pxereimage.runtime.pool.PoolStore;

/**
 * An in-memory {@link PoolApi} for the HTTP and CLI tests: grants the first available machine whose labels contain
 * the lease's {@code labels} word (empty: any), emits events the test scripts with {@link #emit}, counts open
 * subscriptions. Not the real state table: just enough behaviour to drive every status code.
 */
public final class FakePool implements PoolApi {
    public static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    private final Map<String, MachineStatus> machines = new LinkedHashMap<>();
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final List<PoolEvent> events = new ArrayList<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Set<String> readyTokens = new HashSet<>();
    public final AtomicInteger subscribes = new AtomicInteger();
    public final AtomicInteger unsubscribes = new AtomicInteger();
    public final List<String> heartbeats = new CopyOnWriteArrayList<>();
    public final List<String> threads = new CopyOnWriteArrayList<>();
    public volatile boolean unavailable;
    /** Thrown by every call when set: a bug in the pool. */
    public volatile RuntimeException bug;
    public volatile int maxPerClient = 2;
    /** What {@link #sites()} answers. */
    public volatile List<io.pxereimage.runtime.pool.SiteStatus> sites = List.of();
    private int next = 1;

    private record Subscriber(Consumer<PoolEvent> sink, AutoCloseable handle) {
    }

    public synchronized FakePool machine(String name, String... labels) {
        machines.put(name, new MachineStatus(name, Set.of(labels), MachineState.AVAILABLE, null, "rt1", 0, null, T0,
                1));
        return this;
    }

    public synchronized FakePool readyToken(String token) {
        readyTokens.add(token);
        return this;
    }

    public synchronized void setMachine(String name, MachineState state, String message) {
        MachineStatus m = machines.get(name);
        machines.put(name, new MachineStatus(name, m.labels(), state, state.held() ? m.lease() : null, m.owner(),
                m.failures(), message, T0, m.version() + 1));
    }

    public synchronized void setLease(String id, LeaseState state, String message) {
        Lease l = leases.get(id);
        leases.put(id, with(l, state, l.machine(), message));
    }

    /** Stores an event (next sequence number) and hands it to every subscriber. */
    public synchronized PoolEvent emit(String machine, String lease, String from, String to, String cause,
            String message) {
        PoolEvent e = new PoolEvent(events.size() + 1, T0.plusSeconds(events.size() + 1), machine, lease, from, to,
                cause, message);
        events.add(e);
        for (Subscriber s : subscribers) {
            s.sink.accept(e);
        }
        return e;
    }

    public int openSubscriptions() {
        return subscribers.size();
    }

    private void touch() {
        threads.add(Thread.currentThread().getName());
        if (bug != null) {
            throw bug;
        }
        if (unavailable) {
            throw new PoolUnavailable("database down", null);
        }
    }

    @Override
    public synchronized Lease lease(LeaseRequest r) throws PoolStore.CapExceeded {
        touch();
        if (r.labels() != null && r.labels().contains("&&&")) {
            throw new IllegalArgumentException("labels: unexpected '&' at 1");
        }
        long open = leases.values().stream().filter(l -> l.client().equals(r.client()) && !l.state().ended())
                .count();
        if (open >= maxPerClient) {
            throw new PoolStore.CapExceeded("client " + r.client() + " already holds " + maxPerClient
                    + " open leases (maxLeasesPerClient)");
        }
        String id = "l-" + String.format("%06x", next++);
        String labels = r.labels() == null ? "" : r.labels();
        Optional<MachineStatus> free = machines.values().stream()
                .filter(m -> m.state() == MachineState.AVAILABLE && (labels.isEmpty() || m.labels().contains(labels)))
                .findFirst();
        boolean wait = r.waitForMachine() == null || r.waitForMachine();
        int hb = r.heartbeatSeconds() == null ? 60 : r.heartbeatSeconds();
        LeaseState state = free.isPresent() ? LeaseState.PROVISIONING : wait ? LeaseState.PENDING : LeaseState.FAILED;
        Lease l = new Lease(id, r.client(), labels, r.image() == null ? "default" : r.image(),
                new Lease.FirstBootData(r.hostname(), r.data()), wait, hb, state,
                free.map(MachineStatus::name).orElse(null), state == LeaseState.FAILED ? "no machine free" : null,
                T0, r.timeoutSeconds() == null ? null : T0.plusSeconds(r.timeoutSeconds()), T0.plusSeconds(hb), null,
                state == LeaseState.FAILED ? T0 : null);
        leases.put(id, l);
        free.ifPresent(m -> machines.put(m.name(), new MachineStatus(m.name(), m.labels(), MachineState.LEASED, id,
                m.owner(), 0, null, T0, m.version() + 1)));
        return l;
    }

    @Override
    public synchronized Optional<Lease> lease(String id) {
        touch();
        return Optional.ofNullable(leases.get(id));
    }

    @Override
    public synchronized List<Lease> leases(String client, LeaseState state) {
        touch();
        return leases.values().stream().filter(l -> client == null || l.client().equals(client))
                .filter(l -> state == null || l.state() == state)
                .sorted(Comparator.comparing(Lease::id).reversed()).toList();
    }

    @Override
    public synchronized Optional<Lease> heartbeat(String id) {
        touch();
        heartbeats.add(id);
        Lease l = leases.get(id);
        if (l == null || l.state().ended()) {
            return Optional.ofNullable(l);
        }
        Lease renewed = new Lease(l.id(), l.client(), l.labels(), l.image(), l.firstBoot(), l.waitForMachine(),
                l.heartbeatSeconds(), l.state(), l.machine(), l.message(), l.created(), l.deadline(),
                l.expires().plusSeconds(1), l.readyAt(), l.endedAt());
        leases.put(id, renewed);
        return Optional.of(renewed);
    }

    @Override
    public synchronized Optional<Lease> release(String id) {
        touch();
        Lease l = leases.get(id);
        if (l == null || l.state().ended()) {
            return Optional.ofNullable(l);
        }
        Lease released = with(l, LeaseState.RELEASED, l.machine(), "released by its client");
        leases.put(id, released);
        if (l.machine() != null) {
            setMachine(l.machine(), MachineState.RELEASING, null);
        }
        return Optional.of(released);
    }

    @Override
    public synchronized List<MachineStatus> machines() {
        touch();
        return List.copyOf(machines.values());
    }

    @Override
    public synchronized Optional<MachineStatus> clear(String machine) {
        touch();
        MachineStatus m = machines.get(machine);
        if (m == null) {
            return Optional.empty();
        }
        if (m.state() != MachineState.FAILED && m.state() != MachineState.QUARANTINED) {
            throw new IllegalStateException("machine: " + machine + " is " + m.state() + ", not failed or quarantined");
        }
        setMachine(machine, MachineState.CLEANING, null);
        return Optional.of(machines.get(machine));
    }

    @Override
    public synchronized Optional<MachineStatus> quarantine(String machine, String why) {
        touch();
        MachineStatus m = machines.get(machine);
        if (m == null) {
            return Optional.empty();
        }
        if (m.state().held()) {
            throw new IllegalStateException("machine: " + machine + " is held by lease " + m.lease());
        }
        setMachine(machine, MachineState.QUARANTINED, why);
        return Optional.of(machines.get(machine));
    }

    @Override
    public synchronized boolean ready(String token) {
        touch();
        return readyTokens.contains(token);
    }

    @Override
    public synchronized List<PoolEvent> events(long afterSeq, String machine, String lease, int limit) {
        touch();
        return events.stream().filter(e -> e.seq() > afterSeq)
                .filter(e -> machine == null || machine.equals(e.machine()))
                .filter(e -> lease == null || lease.equals(e.lease())).limit(limit).toList();
    }

    @Override
    public AutoCloseable subscribe(long afterSeq, Consumer<PoolEvent> sink) {
        touch();
        subscribes.incrementAndGet();
        List<PoolEvent> backlog;
        Subscriber[] self = new Subscriber[1];
        AutoCloseable handle = () -> {
            if (subscribers.remove(self[0])) {
                unsubscribes.incrementAndGet();
            }
        };
        self[0] = new Subscriber(sink, handle);
        synchronized (this) {
            backlog = events.stream().filter(e -> e.seq() > afterSeq).toList();
            backlog.forEach(sink);
            subscribers.add(self[0]);
        }
        return handle;
    }

    private static Lease with(Lease l, LeaseState state, String machine, String message) {
        return new Lease(l.id(), l.client(), l.labels(), l.image(), l.firstBoot(), l.waitForMachine(),
                l.heartbeatSeconds(), state, machine, message, l.created(), l.deadline(), l.expires(),
                state == LeaseState.READY ? T0.plusSeconds(60) : l.readyAt(), state.ended() ? T0.plusSeconds(90)
                        : l.endedAt());
    }

    /** Machines an admin power-cycled, in order. */
    public final List<String> powerCycles = new CopyOnWriteArrayList<>();

    @Override
    public java.util.concurrent.CompletableFuture<Optional<MachineStatus>> powerCycle(String machine) {
        synchronized (this) {
            touch();
            MachineStatus m = machines.get(machine);
            if (m != null) {
                powerCycles.add(machine);
            }
            return java.util.concurrent.CompletableFuture.completedFuture(Optional.ofNullable(m));
        }
    }

    @Override
    public String defaultImage() {
        return "demo";
    }

    @Override
    public List<io.pxereimage.runtime.pool.SiteStatus> sites() {
        return sites;
    }
}
