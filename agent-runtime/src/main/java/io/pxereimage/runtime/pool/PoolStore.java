package io.pxereimage.runtime.pool;

import static io.pxereimage.runtime.pool.PoolRows.LEASE_COLUMNS;
import static io.pxereimage.runtime.pool.PoolRows.MACHINE_COLUMNS;
import static io.pxereimage.runtime.pool.PoolRows.MACHINE_READ;
import static io.pxereimage.runtime.pool.PoolRows.REACHABLE;
import static io.pxereimage.runtime.pool.PoolRows.cut;
import static io.pxereimage.runtime.pool.PoolRows.firstBootJson;
import static io.pxereimage.runtime.pool.PoolRows.insertEvent;
import static io.pxereimage.runtime.pool.PoolRows.labelsJson;
import static io.pxereimage.runtime.pool.PoolRows.lockAllocation;
import static io.pxereimage.runtime.pool.PoolRows.queryLeases;
import static io.pxereimage.runtime.pool.PoolRows.queryMachines;
import static io.pxereimage.runtime.store.Sql.count;
import static io.pxereimage.runtime.store.Sql.exists;
import static io.pxereimage.runtime.store.Sql.first;
import static io.pxereimage.runtime.store.Sql.instant;
import static io.pxereimage.runtime.store.Sql.millis;
import static io.pxereimage.runtime.store.Sql.prepare;
import static io.pxereimage.runtime.store.Sql.update;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.pxereimage.runtime.device.Secrets;
import io.pxereimage.runtime.store.Database;

/**
 * Machines, leases and their events in the {@link Database}. Every method is one transaction, so a crash at any
 * point leaves either the state before or the state after, never a machine both leased and available (the
 * {@code machines_held} check constraint says so too). Leases are granted under the {@code allocation} row lock:
 * one grant at a time, whether the competitors are threads or runtimes sharing a PostgreSQL database.
 * Machine transitions are compare-and-set on the row's version.
 */
public final class PoolStore {
    /** What a new lease asks for (validated by the caller). */
    public record NewLease(String client, LabelExpression labels, String image, Lease.FirstBootData firstBoot,
            boolean waitForMachine, int heartbeatSeconds, Integer timeoutSeconds, String origin) {

        /** A lease asked without naming the site that took the request. */
        public NewLease(String client, LabelExpression labels, String image, Lease.FirstBootData firstBoot,
                boolean waitForMachine, int heartbeatSeconds, Integer timeoutSeconds) {
            this(client, labels, image, firstBoot, waitForMachine, heartbeatSeconds, timeoutSeconds, null);
        }
    }

    /**
     * Limits on grants: at most {@code maxHeld} machines held at once (0 = all), at most {@code maxPerClient} open
     * leases (pending, provisioning or ready) per client (0 = no limit).
     */
    public record Caps(int maxHeld, int maxPerClient) {
        public static final Caps NONE = new Caps(0, 0);
    }

    /** A request the caps refuse: the API answers 429. */
    public static final class CapExceeded extends Exception {
        public CapExceeded(String message) {
            super(message);
        }
    }

    /** What a machine transition does to the lease holding it. */
    public enum LeaseEffect {
        /** The lease keeps its state. */
        NONE,
        /** The lease becomes {@code ready}. */
        READY,
        /** The lease fails with the transition's message and lets go of the machine. */
        FAIL
    }

    /** The message of a pending lease that only an unreachable site's machines could serve starts with this. */
    static final String UNREACHABLE_WAIT = "waiting: ";

    private final Database db;

    public PoolStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    // ---- machines ---------------------------------------------------------------------------------------------

    /**
     * Makes the stored machines of {@code owner} those of the config: new ones are added {@code available}, labels
     * are updated, and machines no longer configured are removed unless a lease holds them (those stay until
     * released, and are removed at the next start).
     *
     * @return names kept although no longer configured
     */
    public List<String> sync(List<PoolMachine> configured, String owner, Instant now) throws SQLException {
        return db.inTransaction(c -> {
            // A machine belongs to one site: the one on its network drives its power and its boot.
            List<String> elsewhere = new ArrayList<>();
            for (PoolMachine m : configured) {
                for (MachineStatus other : queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines WHERE name = ?"
                        + " AND owner <> ?", m.name(), owner)) {
                    elsewhere.add(other.name() + " (site " + other.owner() + ")");
                }
            }
            if (!elsewhere.isEmpty()) {
                throw new SiteConflict("site " + owner + ": machines " + elsewhere + " belong to another site in the"
                        + " shared store; a machine is configured at one site only (to move one, remove it from the"
                        + " other site's config and restart that runtime first; docs/sites.md)");
            }
            Map<String, MachineStatus> stored = new HashMap<>();
            for (MachineStatus m : queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines WHERE owner = ?",
                    owner)) {
                stored.put(m.name(), m);
            }
            for (PoolMachine m : configured) {
                MachineStatus s = stored.remove(m.name());
                if (s == null) {
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO machines (" + MACHINE_COLUMNS
                            + ") VALUES (?, ?, 'available', NULL, ?, 0, NULL, ?, 0)")) {
                        p.setString(1, m.name());
                        p.setString(2, labelsJson(m.labels()));
                        p.setString(3, owner);
                        p.setLong(4, now.toEpochMilli());
                        p.executeUpdate();
                    }
                    insertEvent(c, now, m.name(), null, null, MachineState.AVAILABLE, "config",
                            "added to the pool with labels " + new TreeSet<>(m.labels()));
                } else if (!s.labels().equals(m.labels())) {
                    update(c, "UPDATE machines SET labels = ?, version = version + 1 WHERE name = ?",
                            labelsJson(m.labels()), m.name());
                }
            }
            List<String> kept = new ArrayList<>();
            for (MachineStatus gone : stored.values()) {
                if (gone.state().held() || gone.state() == MachineState.RELEASING
                        || gone.state() == MachineState.CLEANING) {
                    kept.add(gone.name());
                } else {
                    update(c, "DELETE FROM machines WHERE name = ?", gone.name());
                    insertEvent(c, now, gone.name(), null, gone.state(), null, "config", "removed from the pool");
                }
            }
            return kept;
        });
    }

    public List<MachineStatus> machines() throws SQLException {
        return db.inTransaction(c -> queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines ORDER BY name"));
    }

    public List<MachineStatus> machinesOf(String owner) throws SQLException {
        return db.inTransaction(c -> queryMachines(c, "SELECT " + MACHINE_READ
                + " FROM machines WHERE owner = ? ORDER BY name", owner));
    }

    public Optional<MachineStatus> machine(String name) throws SQLException {
        return db.inTransaction(c -> first(queryMachines(c, "SELECT " + MACHINE_READ
                + " FROM machines WHERE name = ?", name)));
    }

    /**
     * Moves machine {@code name} from the state it had at {@code version} to {@code to}. Leaving the held states
     * lets go of the lease, which must then fail ({@link LeaseEffect#FAIL}); {@code to == FAILED} counts a failure,
     * {@code CLEANING -> AVAILABLE} and leaving {@code QUARANTINED} reset the count.
     *
     * @return the new row, or empty when someone else changed the machine first (the caller re-reads)
     * @throws IllegalStateException when the move is not in {@link MachineState}'s table, or would leave the lease
     *         open without its machine
     * @throws IllegalArgumentException for {@link LeaseEffect#FAIL} into a held state (the lease would end but
     *         keep its machine)
     */
    public Optional<MachineStatus> move(String name, long version, MachineState to, String cause, String message,
            LeaseEffect effect, Instant now) throws SQLException {
        if (effect == LeaseEffect.FAIL && to.held()) {
            throw new IllegalArgumentException("machine " + name + ": failing its lease means leaving the held states,"
                    + " not moving to " + to);
        }
        return db.inTransaction(c -> {
            // Locks in the order end() and the grants use, lease before machine, so that they cannot deadlock.
            Optional<MachineStatus> seen = first(queryMachines(c, "SELECT " + MACHINE_READ
                    + " FROM machines WHERE name = ?", name));
            if (seen.isEmpty() || seen.get().version() != version) {
                return Optional.empty();
            }
            if (seen.get().lease() != null) {
                exists(c, "SELECT id FROM leases WHERE id = ? FOR UPDATE", seen.get().lease());
            }
            Optional<MachineStatus> current = first(queryMachines(c, "SELECT " + MACHINE_READ
                    + " FROM machines WHERE name = ? FOR UPDATE", name));
            if (current.isEmpty() || current.get().version() != version) {
                return Optional.empty();
            }
            MachineStatus m = current.get();
            if (!m.state().canMoveTo(to)) {
                throw new IllegalStateException("machine " + name + ": " + m.state() + " -> " + to
                        + " is not a transition");
            }
            String lease = to.held() ? m.lease() : null;
            // An admin's clear and a successful clean start the count again.
            int failures = to == MachineState.FAILED ? m.failures() + 1
                    : m.state() == MachineState.QUARANTINED
                    || m.state() == MachineState.CLEANING && to == MachineState.AVAILABLE ? 0 : m.failures();
            if (to.held() && lease == null) {
                throw new IllegalStateException("machine " + name + ": " + to + " needs a lease");
            }
            if (m.lease() != null && !to.held() && effect != LeaseEffect.FAIL) {
                // An open lease without its machine would wait forever: it ends with end(), or fails here.
                throw new IllegalStateException("machine " + name + ": " + m.state() + " -> " + to + " lets go of"
                        + " lease " + m.lease() + ", which only LeaseEffect.FAIL (or ending the lease) may do");
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE machines SET state = ?, lease_id = ?, failures = ?,"
                    + " message = ?, since = ?, version = version + 1 WHERE name = ? AND version = ?")) {
                p.setString(1, to.wireName());
                p.setString(2, lease);
                p.setInt(3, failures);
                p.setString(4, cut(message));
                p.setLong(5, now.toEpochMilli());
                p.setString(6, name);
                p.setLong(7, version);
                if (p.executeUpdate() != 1) {
                    return Optional.empty();
                }
            }
            insertEvent(c, now, name, m.lease(), m.state(), to, cause, message);
            if (m.lease() != null) {
                if (effect == LeaseEffect.READY) {
                    update(c, "UPDATE leases SET state = 'ready', ready_at = ?, message = ? WHERE id = ?"
                            + " AND state = 'provisioning'", now.toEpochMilli(), cut(message), m.lease());
                    insertEvent(c, now, name, m.lease(), null, null, "lease", "lease " + m.lease() + " ready");
                } else if (effect == LeaseEffect.FAIL) {
                    int n = update(c, "UPDATE leases SET state = 'failed', ended_at = ?, message = ? WHERE id = ?"
                            + " AND state IN ('pending', 'provisioning', 'ready')", now.toEpochMilli(),
                            cut(message), m.lease());
                    if (n == 1) {
                        insertEvent(c, now, name, m.lease(), null, null, "lease", "lease " + m.lease()
                                + " failed: " + message);
                    }
                }
            }
            return first(queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines WHERE name = ?", name));
        });
    }

    /** A machine configured at a site that another site already owns in the store. */
    public static final class SiteConflict extends IllegalStateException {
        public SiteConflict(String message) {
            super(message);
        }
    }

    /**
     * Why a lease for {@code labels} cannot be served, when every machine that matches is at an unreachable site;
     * null otherwise (some matching machine is at a live site, merely busy). Stable from tick to tick.
     */
    private static String onlyUnreachable(List<MachineStatus> all, LabelExpression labels) {
        List<MachineStatus> matching = all.stream().filter(m -> labels.test(m.labels())).toList();
        if (matching.isEmpty() || !matching.stream().allMatch(MachineStatus::unreachable)) {
            return null;
        }
        Set<String> sites = new TreeSet<>();
        matching.forEach(m -> sites.add(m.owner() + " (unreachable since " + m.unreachableSince() + ")"));
        return "every machine matching labels '" + labels + "' is at an unreachable site: " + String.join(", ", sites)
                + "; it is served when its site is back";
    }

    // ---- leases -----------------------------------------------------------------------------------------------

    /**
     * Creates a lease and, in the same transaction, grants it the free matching machine that has been available
     * longest. Without one it waits ({@code pending}) or fails at once, as asked; it fails at once when no machine
     * of the pool could ever match.
     *
     * @throws CapExceeded when the client already holds its maximum of open leases
     */
    public Lease create(NewLease n, Caps caps, Instant now) throws SQLException, CapExceeded {
        String id = "l-" + Secrets.randomHex(6);
        try {
            return db.inTransaction(c -> {
                lockAllocation(c);
                if (caps.maxPerClient() > 0 && count(c, "SELECT COUNT(*) FROM leases WHERE client = ? AND state IN"
                        + " ('pending', 'provisioning', 'ready')", n.client()) >= caps.maxPerClient()) {
                    throw new CapRuntime("client " + n.client() + " already holds " + caps.maxPerClient()
                            + " open leases (maxLeasesPerClient)");
                }
                long deadline = n.timeoutSeconds() == null ? -1 : now.toEpochMilli() + n.timeoutSeconds() * 1000L;
                long expires = now.toEpochMilli() + n.heartbeatSeconds() * 1000L;
                try (PreparedStatement p = c.prepareStatement("INSERT INTO leases (" + LEASE_COLUMNS
                        + ", ready_token) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?, ?, ?, NULL, NULL, NULL,"
                        + " ?, NULL)")) {
                    p.setString(1, id);
                    p.setString(2, n.client());
                    p.setString(3, n.labels().toString());
                    p.setString(4, n.image());
                    p.setString(5, firstBootJson(n.firstBoot()));
                    p.setBoolean(6, n.waitForMachine());
                    p.setInt(7, n.heartbeatSeconds());
                    p.setLong(8, now.toEpochMilli());
                    if (deadline < 0) {
                        p.setNull(9, Types.BIGINT);
                    } else {
                        p.setLong(9, deadline);
                    }
                    p.setLong(10, expires);
                    p.setString(11, n.origin());
                    p.executeUpdate();
                }
                insertEvent(c, now, null, id, null, null, "lease", "lease " + id + " for client " + n.client()
                        + ": labels '" + n.labels() + "', image " + n.image());
                List<MachineStatus> all = queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines");
                if (all.stream().noneMatch(m -> n.labels().test(m.labels()))) {
                    failLease(c, id, null, "no machine of the pool matches labels '" + n.labels() + "'", now);
                } else if (!grant(c, id, n.labels(), caps, now)) {
                    String unreachable = onlyUnreachable(all, n.labels());
                    if (!n.waitForMachine()) {
                        failLease(c, id, null, unreachable != null ? unreachable : "no free machine matches labels '"
                                + n.labels() + "' and the client asked not to wait", now);
                    } else if (unreachable != null) {
                        update(c, "UPDATE leases SET message = ? WHERE id = ?", cut(UNREACHABLE_WAIT + unreachable),
                                id);
                    }
                }
                return first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ?", id)).get();
            });
        } catch (CapRuntime e) {
            throw new CapExceeded(e.getMessage());
        }
    }

    /** Grants free machines to pending leases, oldest lease first. Returns the leases granted. */
    public List<String> grantPending(Caps caps, Instant now) throws SQLException {
        return db.inTransaction(c -> {
            List<Lease> pending = queryLeases(c, "SELECT " + LEASE_COLUMNS
                    + " FROM leases WHERE state = 'pending' ORDER BY created, id");
            if (pending.isEmpty()) {
                return List.of();
            }
            lockAllocation(c);
            List<String> granted = new ArrayList<>();
            List<MachineStatus> all = null;
            Boolean anyUnreachable = null;
            for (Lease l : pending) {
                LabelExpression labels = LabelExpression.parse(l.labels());
                if (grant(c, l.id(), labels, caps, now)) {
                    granted.add(l.id());
                    continue;
                }
                // Say why it waits when only an unreachable site could serve it; drop that once it is not so. The
                // machines are read only when a site is down or a reason is to be dropped (this runs every second).
                boolean ours = l.message() != null && l.message().startsWith(UNREACHABLE_WAIT);
                anyUnreachable = anyUnreachable != null ? anyUnreachable
                        : count(c, "SELECT COUNT(*) FROM sites WHERE unreachable_since IS NOT NULL") > 0;
                if (!anyUnreachable && !ours) {
                    continue;
                }
                all = all != null ? all : queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines");
                String unreachable = onlyUnreachable(all, labels);
                String message = unreachable == null ? null : cut(UNREACHABLE_WAIT + unreachable);
                if (message != null ? !message.equals(l.message()) : ours) {
                    update(c, "UPDATE leases SET message = ? WHERE id = ? AND state = 'pending'", message, l.id());
                }
            }
            return granted;
        });
    }

    /**
     * Under the allocation lock (the caller's), grants lease {@code id} a machine if it is still pending, one is
     * free and the caps allow. The lease row is locked first: a concurrent {@link #end} either ends it before (and
     * it is not granted) or waits until the grant is committed (and lets go of the machine).
     */
    private boolean grant(Connection c, String id, LabelExpression labels, Caps caps, Instant now)
            throws SQLException {
        if (first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ? AND state = 'pending'"
                + " FOR UPDATE", id)).isEmpty()) {
            return false;
        }
        if (caps.maxHeld() > 0 && count(c, "SELECT COUNT(*) FROM machines WHERE lease_id IS NOT NULL")
                >= caps.maxHeld()) {
            return false;
        }
        for (MachineStatus m : queryMachines(c, "SELECT " + MACHINE_READ
                + " FROM machines WHERE state = 'available' AND " + REACHABLE + " ORDER BY since, name")) {
            if (!labels.test(m.labels())) {
                continue;
            }
            int n = update(c, "UPDATE machines SET state = 'leased', lease_id = ?, message = NULL, since = ?,"
                    + " version = version + 1 WHERE name = ? AND version = ? AND state = 'available'", id,
                    now.toEpochMilli(), m.name(), m.version());
            if (n != 1) {
                continue;
            }
            update(c, "UPDATE leases SET state = 'provisioning', machine = ?, site = ?, message = NULL WHERE id = ?"
                    + " AND state = 'pending'", m.name(), m.owner(), id);
            insertEvent(c, now, m.name(), id, MachineState.AVAILABLE, MachineState.LEASED, "lease",
                    "granted to lease " + id);
            return true;
        }
        return false;
    }

    public Optional<Lease> lease(String id) throws SQLException {
        return db.inTransaction(c -> first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ?",
                id)));
    }

    /** Leases, newest first, optionally of one client and/or in one state. */
    public List<Lease> leases(String client, LeaseState state, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + LEASE_COLUMNS + " FROM leases WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (client != null) {
            sql.append(" AND client = ?");
            args.add(client);
        }
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state.wireName());
        }
        sql.append(" ORDER BY created DESC, id LIMIT ").append(Math.max(1, limit));
        return db.inTransaction(c -> queryLeases(c, sql.toString(), args.toArray()));
    }

    /** Open leases whose heartbeat or deadline has passed at {@code now}. */
    public List<Lease> overdue(Instant now) throws SQLException {
        long t = now.toEpochMilli();
        return db.inTransaction(c -> queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE state IN"
                + " ('pending', 'provisioning', 'ready') AND (expires < ? OR (state <> 'ready' AND deadline < ?))",
                t, t));
    }

    /** Renews an open lease: it now expires {@code heartbeatSeconds} from {@code now}. Empty if it has ended. */
    public Optional<Lease> heartbeat(String id, Instant now) throws SQLException {
        return db.inTransaction(c -> {
            update(c, "UPDATE leases SET expires = CAST(? AS BIGINT) + heartbeat_seconds * 1000 WHERE id = ? AND state IN"
                    + " ('pending', 'provisioning', 'ready')", now.toEpochMilli(), id);
            return first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ?", id));
        });
    }

    /**
     * Ends an open lease ({@code released}, {@code expired} or {@code failed}); the machine it holds, if any,
     * goes to {@code releasing} in the same transaction. Ending an ended lease changes nothing.
     *
     * @return the lease as it is now, or empty if there is no such lease
     */
    public Optional<Lease> end(String id, LeaseState end, String cause, String message, Instant now)
            throws SQLException {
        if (!end.ended()) {
            throw new IllegalArgumentException(end + " does not end a lease");
        }
        return db.inTransaction(c -> {
            Optional<Lease> l = first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ? FOR UPDATE",
                    id));
            if (l.isEmpty() || l.get().state().ended()) {
                return l;
            }
            update(c, "UPDATE leases SET state = ?, ended_at = ?, message = ? WHERE id = ?", end.wireName(),
                    now.toEpochMilli(), cut(message), id);
            insertEvent(c, now, l.get().machine(), id, null, null, cause, "lease " + id + " " + end + ": " + message);
            Optional<MachineStatus> m = first(queryMachines(c, "SELECT " + MACHINE_READ
                    + " FROM machines WHERE lease_id = ? FOR UPDATE", id));
            if (m.isPresent()) {
                update(c, "UPDATE machines SET state = 'releasing', lease_id = NULL, message = ?, since = ?,"
                        + " version = version + 1 WHERE name = ?", cut(message), now.toEpochMilli(), m.get().name());
                insertEvent(c, now, m.get().name(), id, m.get().state(), MachineState.RELEASING, cause, message);
            }
            return first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ?", id));
        });
    }

    private void failLease(Connection c, String id, String machine, String message, Instant now)
            throws SQLException {
        update(c, "UPDATE leases SET state = 'failed', ended_at = ?, message = ? WHERE id = ?", now.toEpochMilli(),
                cut(message), id);
        insertEvent(c, now, machine, id, null, null, "lease", "lease " + id + " failed: " + message);
    }

    /** Remembers the SHA-256 of the token the machine's OS will post when it is up. */
    public void setReadyToken(String leaseId, String tokenSha256) throws SQLException {
        db.inTransaction(c -> update(c, "UPDATE leases SET ready_token = ? WHERE id = ?", tokenSha256, leaseId));
    }

    /** The open lease whose ready token has this SHA-256. */
    public Optional<Lease> leaseByReadyToken(String tokenSha256) throws SQLException {
        return db.inTransaction(c -> first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE"
                + " ready_token = ? AND state IN ('provisioning', 'ready')", tokenSha256)));
    }

    // ---- events -----------------------------------------------------------------------------------------------

    /** Events after {@code afterSeq}, oldest first, optionally of one machine or one lease. */
    public List<PoolEvent> events(long afterSeq, String machine, String lease, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT seq, time, machine, lease_id, from_state, to_state, cause, "
                + "message FROM events WHERE seq > ?");
        List<Object> args = new ArrayList<>(List.of(afterSeq));
        if (machine != null) {
            sql.append(" AND machine = ?");
            args.add(machine);
        }
        if (lease != null) {
            sql.append(" AND lease_id = ?");
            args.add(lease);
        }
        sql.append(" ORDER BY seq LIMIT ").append(Math.max(1, limit));
        return db.inTransaction(c -> {
            List<PoolEvent> out = new ArrayList<>();
            try (PreparedStatement p = prepare(c, sql.toString(), args.toArray()); ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new PoolEvent(r.getLong(1), Instant.ofEpochMilli(r.getLong(2)), r.getString(3),
                            r.getString(4), r.getString(5), r.getString(6), r.getString(7), r.getString(8)));
                }
            }
            return out;
        });
    }

    /**
     * Leases per state. Open leases are few, and the {@code state} index finds them; ended ones pile up forever, so
     * counting them scans the table: ask for them only when {@code withEnded}.
     */
    public Map<LeaseState, Long> leaseCounts(boolean withEnded) throws SQLException {
        return db.inTransaction(c -> {
            Map<LeaseState, Long> out = new java.util.EnumMap<>(LeaseState.class);
            String where = withEnded ? "" : " WHERE state IN ('pending', 'provisioning', 'ready')";
            try (PreparedStatement p = c.prepareStatement("SELECT state, COUNT(*) FROM leases" + where
                    + " GROUP BY state");
                    ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.put(LeaseState.fromWire(r.getString(1)), r.getLong(2));
                }
            }
            return out;
        });
    }

    /** The newest event's sequence number, 0 when there is none. */
    public long lastEventSeq() throws SQLException {
        return db.inTransaction(c -> count(c, "SELECT COALESCE(MAX(seq), 0) FROM events"));
    }

    /** Adds an event that is not a transition (a power command, a retry), for the record. */
    public void note(String machine, String lease, String cause, String message, Instant now) throws SQLException {
        db.inTransaction(c -> {
            insertEvent(c, now, machine, lease, null, null, cause, message);
            return null;
        });
    }

    // ---- jobs -------------------------------------------------------------------------------------------------

    /** Records a deploy job's current state (insert or update). */
    public void saveJob(String id, String machine, String type, String state, String message, Instant created,
            Instant started, Instant finished) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                db.inTransaction(c -> {
                    int n = update(c, "UPDATE jobs SET state = ?, message = ?, started = ?, finished = ? WHERE id = ?",
                            state, cut(message), millis(started), millis(finished), id);
                    if (n == 0) {
                        update(c, "INSERT INTO jobs (id, machine, type, state, message, created, started, finished)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, machine, type, state, cut(message),
                                created.toEpochMilli(), millis(started), millis(finished));
                    }
                    return null;
                });
                return;
            } catch (SQLException e) {
                // Two saves of a new job (queued, then at once delivered) can both find no row and both insert:
                // the loser hits the primary key (23505 in H2 and PostgreSQL); again, its UPDATE finds the row.
                if (!"23505".equals(e.getSQLState()) || attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    /** A job's stored state, or null (tests). */
    String jobState(String id) throws SQLException {
        return db.inTransaction(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT state FROM jobs WHERE id = ?")) {
                q.setString(1, id);
                try (ResultSet r = q.executeQuery()) {
                    return r.next() ? r.getString(1) : null;
                }
            }
        });
    }

    /** Marks jobs that were queued or running when the runtime stopped as failed; returns how many. */
    public int failUnfinishedJobs(String why, Instant now) throws SQLException {
        return db.inTransaction(c -> update(c, "UPDATE jobs SET state = 'failed', message = ?, finished = ? WHERE"
                + " state IN ('queued', 'running')", cut(why), now.toEpochMilli()));
    }

    /** Carries {@link CapExceeded} out of a transaction (which rolls back on it). */
    private static final class CapRuntime extends RuntimeException {
        CapRuntime(String message) {
            super(message, null, false, false);
        }
    }
}
