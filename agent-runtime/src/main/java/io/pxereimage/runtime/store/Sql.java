package io.pxereimage.runtime.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Small JDBC helpers for the stores: positional parameters, counts, epoch-millisecond columns. */
public final class Sql {
    private Sql() {
    }

    /** A statement with {@code args} bound in order; {@code null} is bound untyped. */
    public static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement p = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                // Untyped: PostgreSQL refuses a VARCHAR-typed NULL for a BIGINT column.
                p.setNull(i + 1, Types.NULL);
            } else {
                p.setObject(i + 1, args[i]);
            }
        }
        return p;
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = prepare(c, sql, args)) {
            return p.executeUpdate();
        }
    }

    /** The first column of the first row of a {@code SELECT COUNT(*)}-like query. */
    public static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = prepare(c, sql, args); ResultSet r = p.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Whether the query finds a row (with {@code FOR UPDATE}: and locks it). */
    public static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = prepare(c, sql, args); ResultSet r = p.executeQuery()) {
            return r.next();
        }
    }

    public static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** An epoch-millisecond column, {@code null} for SQL NULL. */
    public static Instant instant(ResultSet r, int column) throws SQLException {
        long v = r.getLong(column);
        return r.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    public static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }
}
