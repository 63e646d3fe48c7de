package io.pxereimage.runtime.pool;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.pxereimage.runtime.store.Database;

/**
 * What must hold in the pool's tables whatever happened before (concurrent runtimes, a kill -9), as queries that
 * list the offending rows: a machine is held by at most one lease, exactly in the held states, by a lease that is
 * provisioning or ready and names it; a provisioning or ready lease is held by exactly one machine.
 */
final class PoolInvariants {
    private PoolInvariants() {
    }

    /** Every violation, one line each; empty when the store is consistent. */
    static List<String> violations(Database db) throws SQLException {
        String held = MachineState.HELD.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", "));
        List<String> out = new ArrayList<>();
        db.inTransaction(c -> {
            check(c.createStatement(), out, "machine held by a missing, ended or other lease",
                    "SELECT m.name, m.state, m.lease_id, l.state, l.machine FROM machines m LEFT JOIN leases l"
                            + " ON l.id = m.lease_id WHERE m.lease_id IS NOT NULL AND (l.id IS NULL"
                            + " OR l.state NOT IN ('provisioning', 'ready') OR l.machine IS NULL"
                            + " OR l.machine <> m.name)");
            check(c.createStatement(), out, "open lease not held by exactly one machine",
                    "SELECT l.id, l.state, l.machine, COUNT(m.name) FROM leases l LEFT JOIN machines m"
                            + " ON m.lease_id = l.id WHERE l.state IN ('provisioning', 'ready')"
                            + " GROUP BY l.id, l.state, l.machine HAVING COUNT(m.name) <> 1");
            check(c.createStatement(), out, "lease holding several machines",
                    "SELECT lease_id, COUNT(*) FROM machines WHERE lease_id IS NOT NULL GROUP BY lease_id"
                            + " HAVING COUNT(*) > 1");
            check(c.createStatement(), out, "machine leased and available (held state without lease or back)",
                    "SELECT name, state, lease_id FROM machines WHERE (state IN (" + held + "))"
                            + " <> (lease_id IS NOT NULL)");
            check(c.createStatement(), out, "the allocation lock row is missing",
                    "SELECT 'allocation' WHERE NOT EXISTS (SELECT 1 FROM locks WHERE name = 'allocation')");
            return null;
        });
        return out;
    }

    private static void check(Statement s, List<String> out, String what, String sql) throws SQLException {
        try (s; ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData meta = r.getMetaData();
            while (r.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.add(r.getString(i));
                }
                out.add(what + ": " + row);
            }
        }
    }
}
