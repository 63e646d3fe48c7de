package io.pxereimage.runtime.pool;

import static io.pxereimage.runtime.pool.PoolRows.LEASE_COLUMNS;
import static io.pxereimage.runtime.pool.PoolRows.MACHINE_READ;
import static io.pxereimage.runtime.pool.PoolRows.cut;
import static io.pxereimage.runtime.pool.PoolRows.insertEvent;
import static io.pxereimage.runtime.pool.PoolRows.lockAllocation;
import static io.pxereimage.runtime.pool.PoolRows.queryLeases;
import static io.pxereimage.runtime.pool.PoolRows.queryMachines;
import static io.pxereimage.runtime.store.Sql.first;
import static io.pxereimage.runtime.store.Sql.instant;
import static io.pxereimage.runtime.store.Sql.prepare;
import static io.pxereimage.runtime.store.Sql.update;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.pxereimage.runtime.store.Database;

/**
 * The sites sharing one store (docs/sites.md): each runtime heartbeats its row; a site silent past its own timeout is
 * marked unreachable by whichever runtime notices first, and its machines are not granted until it is back. Every
 * method is one transaction, in the same tables and under the same locks as {@link PoolStore}.
 */
public final class SiteStore {
    private final Database db;

    public SiteStore(Database db) {
        this.db = db;
    }

    /**
     * Site {@code name} is alive at {@code now} and asks the others to wait {@code unreachableAfter} for its next
     * heartbeat. A site that was marked unreachable is live again: its machines are granted again, in the states
     * they have in the store, and each gets an event saying so.
     *
     * @return true when the site was marked unreachable until now
     */
    public boolean heartbeat(String name, Duration unreachableAfter, Instant now) throws SQLException {
        return db.inTransaction(c -> {
            Instant was = null;
            boolean exists = false;
            try (PreparedStatement p = prepare(c, "SELECT unreachable_since FROM sites WHERE name = ? FOR UPDATE",
                    name); ResultSet r = p.executeQuery()) {
                if (r.next()) {
                    exists = true;
                    was = instant(r, 1);
                }
            }
            if (!exists) {
                update(c, "INSERT INTO sites (name, heartbeat, timeout_ms, started, unreachable_since) VALUES"
                        + " (?, ?, ?, ?, NULL)", name, now.toEpochMilli(), unreachableAfter.toMillis(),
                        now.toEpochMilli());
                insertEvent(c, now, null, null, null, null, "site", "site " + name + " joined the store");
                return false;
            }
            update(c, "UPDATE sites SET heartbeat = ?, timeout_ms = ?, unreachable_since = NULL WHERE name = ?",
                    now.toEpochMilli(), unreachableAfter.toMillis(), name);
            if (was == null) {
                return false;
            }
            String back = "site " + name + " is back (unreachable since " + was + ")";
            insertEvent(c, now, null, null, null, null, "site", back);
            for (MachineStatus m : queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines WHERE owner = ?"
                    + " ORDER BY name", name)) {
                insertEvent(c, now, m.name(), m.lease(), null, null, "site", back + ": reachable again, "
                        + m.state());
            }
            return true;
        });
    }

    /**
     * Marks every site other than {@code self} whose last heartbeat is older than its own timeout at {@code now}
     * unreachable, with an event for the site and for each of its machines. Their machines keep their stored state
     * (nothing is lost) but are not granted until the site's next heartbeat. Exactly one runtime marks a site (the
     * update is conditional), whichever notices first.
     *
     * @return the sites marked now
     */
    public List<SiteStatus> markUnreachable(String self, Instant now) throws SQLException {
        return db.inTransaction(c -> {
            List<SiteStatus> marked = new ArrayList<>();
            for (SiteStatus s : querySites(c, " WHERE s.unreachable_since IS NULL AND s.heartbeat + s.timeout_ms < ?"
                    + " AND s.name <> ? ORDER BY s.name", now.toEpochMilli(), self)) {
                if (update(c, "UPDATE sites SET unreachable_since = ? WHERE name = ? AND unreachable_since IS NULL"
                        + " AND heartbeat = ?", now.toEpochMilli(), s.name(), s.heartbeat().toEpochMilli()) != 1) {
                    continue;
                }
                String why = "site " + s.name() + " unreachable: no heartbeat for "
                        + Duration.between(s.heartbeat(), now).toSeconds() + " s (its timeout "
                        + s.unreachableAfter().toSeconds() + " s), noticed by " + self;
                insertEvent(c, now, null, null, null, null, "site", why);
                for (MachineStatus m : queryMachines(c, "SELECT " + MACHINE_READ + " FROM machines WHERE owner = ?"
                        + " ORDER BY name", s.name())) {
                    if (m.state() == MachineState.LEASED && giveBack(c, m, why, now)) {
                        continue;
                    }
                    insertEvent(c, now, m.name(), m.lease(), null, null, "site", why + "; the machine keeps its state "
                            + m.state() + " and is not granted until the site is back");
                }
                marked.add(new SiteStatus(s.name(), s.heartbeat(), s.unreachableAfter(), s.started(), now,
                        s.machines()));
            }
            return marked;
        });
    }

    /**
     * A machine granted but not yet touched by its silent site ({@code leased}: the site never queued the deploy
     * nor asked the BMC) goes back to {@code available} and its lease back to {@code pending}, in this transaction,
     * so that the lease is served elsewhere instead of waiting for a dead site. Locks allocation, lease, machine:
     * the grants' order.
     *
     * @return false when the machine or its lease moved on meanwhile (it then keeps its state like the others)
     */
    private static boolean giveBack(Connection c, MachineStatus m, String why, Instant now) throws SQLException {
        lockAllocation(c);
        if (first(queryLeases(c, "SELECT " + LEASE_COLUMNS + " FROM leases WHERE id = ? AND state = 'provisioning'"
                + " FOR UPDATE", m.lease())).isEmpty()) {
            return false;
        }
        String message = why + "; it had not started lease " + m.lease() + ", which waits for another machine";
        if (update(c, "UPDATE machines SET state = 'available', lease_id = NULL, message = ?, since = ?,"
                + " version = version + 1 WHERE name = ? AND version = ? AND state = 'leased'", cut(message),
                now.toEpochMilli(), m.name(), m.version()) != 1) {
            return false;
        }
        update(c, "UPDATE leases SET state = 'pending', machine = NULL, site = NULL, message = ? WHERE id = ?",
                cut("given back by site " + m.owner() + ", unreachable before it started the deploy; waiting for a"
                        + " machine"), m.lease());
        insertEvent(c, now, m.name(), m.lease(), MachineState.LEASED, MachineState.AVAILABLE, "site", message);
        return true;
    }

    /** Every site in the store, by name. */
    public List<SiteStatus> all() throws SQLException {
        return db.inTransaction(c -> querySites(c, " ORDER BY s.name"));
    }

    private static List<SiteStatus> querySites(Connection c, String where, Object... args) throws SQLException {
        List<SiteStatus> out = new ArrayList<>();
        try (PreparedStatement p = prepare(c, "SELECT s.name, s.heartbeat, s.timeout_ms, s.started,"
                + " s.unreachable_since, (SELECT COUNT(*) FROM machines m WHERE m.owner = s.name) FROM sites s"
                + where, args); ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new SiteStatus(r.getString(1), Instant.ofEpochMilli(r.getLong(2)),
                        Duration.ofMillis(r.getLong(3)), Instant.ofEpochMilli(r.getLong(4)), instant(r, 5),
                        r.getInt(6)));
            }
        }
        return out;
    }
}
