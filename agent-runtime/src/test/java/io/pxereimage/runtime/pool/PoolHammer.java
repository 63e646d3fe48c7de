package io.pxereimage.runtime.pool;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

import io.pxereimage.runtime.net.MacAddress;

/**
 * Random work on a pool, as a busy runtime would do it: create leases, grant pending ones, move machines through
 * their life (now and then failing one), heartbeat and end leases. Every operation that committed is reported as
 * one line, after the commit: {@code L <lease> <state>} or {@code M <machine> <version> <state>}. A {@link Ledger}
 * of those lines then says whether the store still has everything that was reported.
 */
final class PoolHammer {
    static final String OWNER = "hammer";
    static final int MACHINES = 6;

    private final PoolStore store;
    private final Consumer<String> committed;
    /** Leases this hammer may end; a sample, not the truth (other threads and runtimes end them too). */
    private final List<String> open = Collections.synchronizedList(new ArrayList<>());

    PoolHammer(PoolStore store, Consumer<String> committed) {
        this.store = store;
        this.committed = committed;
    }

    static List<PoolMachine> machines() {
        List<PoolMachine> out = new ArrayList<>();
        for (int i = 1; i <= MACHINES; i++) {
            out.add(new PoolMachine("m" + i, List.of(MacAddress.parse(String.format("52:54:00:00:01:%02x", i))),
                    Set.of("metal"), null, null));
        }
        return out;
    }

    /** Adds the machines (a no-op when they are there) and picks up the leases open in the store. */
    void setUp() throws SQLException {
        store.sync(machines(), OWNER, Instant.now());
        for (LeaseState s : List.of(LeaseState.PENDING, LeaseState.PROVISIONING, LeaseState.READY)) {
            store.leases(null, s, 1000).forEach(l -> open.add(l.id()));
        }
    }

    /** One random operation. */
    void step(Random rnd) throws SQLException {
        Instant now = Instant.now();
        int op = rnd.nextInt(100);
        if (op < 25) {
            try {
                Lease l = store.create(new PoolStore.NewLease("c" + rnd.nextInt(4),
                        LabelExpression.parse("metal"), "demo", null, rnd.nextInt(4) > 0, 60, null),
                        PoolStore.Caps.NONE, now);
                report(l);
            } catch (PoolStore.CapExceeded e) {
                throw new IllegalStateException("no caps were set", e);
            }
        } else if (op < 40) {
            String id = pick(rnd);
            if (id != null) {
                LeaseState end = rnd.nextBoolean() ? LeaseState.RELEASED : LeaseState.EXPIRED;
                store.end(id, end, "hammer", "done", now).ifPresent(this::report);
            }
        } else if (op < 50) {
            for (String id : store.grantPending(PoolStore.Caps.NONE, now)) {
                committed.accept("L " + id + " provisioning");
            }
        } else if (op < 55) {
            String id = pick(rnd);
            if (id != null) {
                store.heartbeat(id, now).ifPresent(this::report);
            }
        } else {
            String name = "m" + (1 + rnd.nextInt(MACHINES));
            Optional<MachineStatus> m = store.machine(name);
            if (m.isPresent()) {
                advance(m.get(), rnd, now);
            }
        }
    }

    private void advance(MachineStatus m, Random rnd, Instant now) throws SQLException {
        MachineState to;
        PoolStore.LeaseEffect effect = PoolStore.LeaseEffect.NONE;
        if (m.state().held() && rnd.nextInt(10) == 0) {
            to = MachineState.FAILED;
            effect = PoolStore.LeaseEffect.FAIL;
        } else {
            to = switch (m.state()) {
                case LEASED -> MachineState.POWERING;
                case POWERING -> MachineState.NETBOOTING;
                case NETBOOTING -> MachineState.DEPLOYING;
                case DEPLOYING -> MachineState.BOOTING_OS;
                case BOOTING_OS -> MachineState.READY;
                case RELEASING, FAILED -> MachineState.CLEANING;
                case CLEANING, QUARANTINED -> MachineState.AVAILABLE;
                case AVAILABLE, READY -> null;
            };
            if (to == MachineState.READY) {
                effect = PoolStore.LeaseEffect.READY;
            }
        }
        if (to != null) {
            Optional<MachineStatus> moved = store.move(m.name(), m.version(), to, "hammer", "step", effect, now);
            if (moved.isPresent()) {
                committed.accept("M " + m.name() + " " + moved.get().version() + " " + moved.get().state());
            }
        }
    }

    private String pick(Random rnd) {
        synchronized (open) {
            return open.isEmpty() ? null : open.get(rnd.nextInt(open.size()));
        }
    }

    private void report(Lease l) {
        if (l.state().ended()) {
            open.remove(l.id());
        } else if (!open.contains(l.id())) {
            open.add(l.id());
        }
        committed.accept("L " + l.id() + " " + l.state());
    }

    /** The reported lines, and what the store must show for them. */
    static final class Ledger {
        private final Map<String, LeaseState> leases = new HashMap<>();
        private final Map<String, Long> versions = new HashMap<>();
        private final Map<String, MachineState> states = new HashMap<>();
        private int lines;

        /** Takes one reported line; other lines (the child's start marker) are ignored. */
        synchronized void add(String line) {
            String[] f = line.split(" ");
            if (f[0].equals("L") && f.length == 3) {
                LeaseState s = LeaseState.fromWire(f[2]);
                leases.merge(f[1], s, (a, b) -> rank(b) > rank(a) ? b : a);
                lines++;
            } else if (f[0].equals("M") && f.length == 4) {
                long v = Long.parseLong(f[2]);
                if (v > versions.getOrDefault(f[1], -1L)) {
                    versions.put(f[1], v);
                    states.put(f[1], MachineState.fromWire(f[3]));
                }
                lines++;
            }
        }

        synchronized int lines() {
            return lines;
        }

        /**
         * What the store lost: a lease missing or behind its reported state (pending &lt; provisioning &lt; ready
         * &lt; ended; an ended lease keeps its end), a machine behind its reported version.
         */
        synchronized List<String> lost(PoolStore store) throws SQLException {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, LeaseState> e : leases.entrySet()) {
                Optional<Lease> l = store.lease(e.getKey());
                if (l.isEmpty()) {
                    out.add("lease " + e.getKey() + " (reported " + e.getValue() + ") is missing");
                } else if (rank(l.get().state()) < rank(e.getValue())
                        || (e.getValue().ended() && l.get().state() != e.getValue())) {
                    out.add("lease " + e.getKey() + " reported " + e.getValue() + ", stored " + l.get().state());
                }
            }
            for (Map.Entry<String, Long> e : versions.entrySet()) {
                MachineStatus m = store.machine(e.getKey()).orElse(null);
                if (m == null || m.version() < e.getValue()
                        || (m.version() == e.getValue() && m.state() != states.get(e.getKey()))) {
                    out.add("machine " + e.getKey() + " reported version " + e.getValue() + " "
                            + states.get(e.getKey()) + ", stored " + m);
                }
            }
            return out;
        }

        private static int rank(LeaseState s) {
            return switch (s) {
                case PENDING -> 0;
                case PROVISIONING -> 1;
                case READY -> 2;
                case RELEASED, EXPIRED, FAILED -> 3;
            };
        }
    }
}
