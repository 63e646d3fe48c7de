package io.pxereimage.runtime.pool;

import static io.pxereimage.runtime.store.Sql.exists;
import static io.pxereimage.runtime.store.Sql.instant;
import static io.pxereimage.runtime.store.Sql.prepare;
import static io.pxereimage.runtime.store.Sql.update;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.type.TypeReference;

import io.pxereimage.runtime.device.Json;

/** How pool records map to rows of the {@code machines}, {@code leases} and {@code events} tables. */
final class PoolRows {
    static final String MACHINE_COLUMNS = "name, labels, state, lease_id, owner, failures, message, since, "
            + "version";
    /** The columns read: the stored ones plus whether the machine's site is marked unreachable. */
    static final String MACHINE_READ = MACHINE_COLUMNS
            + ", (SELECT s.unreachable_since FROM sites s WHERE s.name = machines.owner)";
    /** Only machines of live sites (or of an owner without a site row: a runtime from before sites) are granted. */
    static final String REACHABLE = "NOT EXISTS (SELECT 1 FROM sites s WHERE s.name = machines.owner"
            + " AND s.unreachable_since IS NOT NULL)";
    static final String LEASE_COLUMNS = "id, client, labels, image, first_boot, wait_for_machine, "
            + "heartbeat_seconds, state, machine, message, created, deadline, expires, ready_at, ended_at, site, origin";

    private PoolRows() {
    }

    /** Takes the {@code allocation} row lock: grants, give-backs and releases happen one at a time. */
    static void lockAllocation(Connection c) throws SQLException {
        if (!exists(c, "SELECT name FROM locks WHERE name = 'allocation' FOR UPDATE")) {
            throw new SQLException("store: the allocation lock row is missing");
        }
    }

    static void insertEvent(Connection c, Instant now, String machine, String lease, MachineState from,
            MachineState to, String cause, String message) throws SQLException {
        update(c, "INSERT INTO events (time, machine, lease_id, from_state, to_state, cause, message) VALUES"
                + " (?, ?, ?, ?, ?, ?, ?)", now.toEpochMilli(), machine, lease, from == null ? null : from.wireName(),
                to == null ? null : to.wireName(), cause, cut(message));
    }

    static List<MachineStatus> queryMachines(Connection c, String sql, Object... args) throws SQLException {
        List<MachineStatus> out = new ArrayList<>();
        try (PreparedStatement p = prepare(c, sql, args); ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new MachineStatus(r.getString(1), labels(r.getString(2)), MachineState.fromWire(r.getString(3)),
                        r.getString(4), r.getString(5), r.getInt(6), r.getString(7),
                        Instant.ofEpochMilli(r.getLong(8)), r.getLong(9), instant(r, 10)));
            }
        }
        return out;
    }

    static List<Lease> queryLeases(Connection c, String sql, Object... args) throws SQLException {
        List<Lease> out = new ArrayList<>();
        try (PreparedStatement p = prepare(c, sql, args); ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new Lease(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                        firstBoot(r.getString(5)), r.getBoolean(6), r.getInt(7), LeaseState.fromWire(r.getString(8)),
                        r.getString(9), r.getString(10), instant(r, 11), instant(r, 12), instant(r, 13),
                        instant(r, 14), instant(r, 15), r.getString(16), r.getString(17)));
            }
        }
        return out;
    }

    /** Messages are stored up to 2000 characters. */
    static String cut(String s) {
        return s == null || s.length() <= 2000 ? s : s.substring(0, 1997) + "...";
    }

    static String labelsJson(Set<String> labels) {
        try {
            return Json.MAPPER.writeValueAsString(new TreeSet<>(labels));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<String> labels(String json) {
        try {
            return new LinkedHashSet<>(Json.MAPPER.readValue(json, new TypeReference<List<String>>() { }));
        } catch (IOException e) {
            throw new IllegalStateException("store: bad labels " + json, e);
        }
    }

    static String firstBootJson(Lease.FirstBootData fb) {
        try {
            return fb == null ? null : Json.MAPPER.writeValueAsString(fb);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Lease.FirstBootData firstBoot(String json) {
        try {
            return json == null ? null : Json.MAPPER.readValue(json, Lease.FirstBootData.class);
        } catch (IOException e) {
            throw new IllegalStateException("store: bad first-boot data", e);
        }
    }
}
