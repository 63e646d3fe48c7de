package io.pxereimage.runtime.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's SQL database: H2 in a file of the data directory by default, or PostgreSQL when several runtimes
 * share one inventory. One schema for both (H2 runs in its PostgreSQL mode), brought up to date at open by the
 * numbered scripts {@code db/migration/V<n>__<name>.sql} on the class path.
 *
 * <p>Why no connection pool and no Flyway: the runtime makes a few transactions a second, and the migration
 * runner is a few dozen lines below; each would be a dependency to audit for little gain. A connection per
 * transaction costs about 10 ms on PostgreSQL (authentication, a new backend) and survives a server restart without
 * any reconnect logic. docs/store.md has the numbers.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** The migrations, in order. A new one is appended here and never edited once released. */
    static final List<String> MIGRATIONS = List.of("V1__pool.sql", "V2__sites.sql");
    /** The PostgreSQL advisory lock key that serializes migrations ("pxe-migr"); advisory keys are per database. */
    private static final long MIGRATION_LOCK = 0x7078652d6d696772L;
    private static final Object H2_MIGRATION = new Object();

    /** Work inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final String url;
    private final Properties props;
    private final boolean postgres;
    /** H2 closes an embedded database with its last connection: this one keeps it open. */
    private final Connection keeper;

    private Database(String url, Properties props, Connection keeper) {
        this.url = url;
        this.props = props;
        this.postgres = url.startsWith("jdbc:postgresql:");
        this.keeper = keeper;
    }

    /**
     * The embedded database {@code pxe-runtime.mv.db} in {@code dataDir}. {@code WRITE_DELAY=0}: every commit is
     * written to the file before it returns, so a killed runtime loses no committed lease (PoolStoreCrashIT). H2
     * does not fsync each commit: a power cut or kernel crash may lose the last commits; PostgreSQL does not.
     * {@code async:}: H2's AsynchronousFileChannel file system, because a plain FileChannel is closed when the
     * thread using it is interrupted (an executor's shutdownNow), which closes the database and loses what it had
     * not stored yet.
     */
    public static Database embedded(Path dataDir) throws SQLException {
        String url = "jdbc:h2:async:" + dataDir.toAbsolutePath().resolve("pxe-runtime")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
        return open(url, null, null);
    }

    /** A database by JDBC URL ({@code jdbc:postgresql://host/db} or {@code jdbc:h2:...}), migrated. */
    public static Database open(String url, String user, String password) throws SQLException {
        if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:h2:")) {
            throw new SQLException("store.url: only jdbc:postgresql: and jdbc:h2: URLs are supported");
        }
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        Connection keeper = url.startsWith("jdbc:h2:") ? DriverManager.getConnection(url, props) : null;
        Database db = new Database(url, props, keeper);
        try {
            db.migrate();
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    public boolean postgres() {
        return postgres;
    }

    /** Where it is, without credentials (JDBC URLs carry none here: user and password are properties). */
    public String describe() {
        return url.replaceAll(";.*", "");
    }

    /**
     * Runs {@code work} in a transaction and commits; rolls back on any failure. A serialization failure or a
     * deadlock (PostgreSQL under concurrent runtimes) is retried a few times: the work must be repeatable.
     */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = DriverManager.getConnection(url, props)) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                String state = e.getSQLState();
                boolean retry = "40001".equals(state) || "40P01".equals(state);
                if (!retry || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    /**
     * Applies the migrations this database has not seen, each in its own transaction, one runtime at a time: on
     * PostgreSQL under a session advisory lock (two runtimes starting at once on a fresh database: the second waits,
     * then finds the versions applied), on H2 under a lock of this JVM (no other process can open the file).
     *
     * <p>H2 commits each DDL statement on its own, so a runtime killed in the middle of a migration leaves part of
     * it applied and no version row: the scripts must therefore be idempotent ({@code IF NOT EXISTS}). On PostgreSQL
     * a migration is one transaction.
     */
    void migrate() throws SQLException {
        if (postgres) {
            try (Connection c = DriverManager.getConnection(url, props)) {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                    lock.setLong(1, MIGRATION_LOCK);
                    lock.execute();
                }
                // Released with the session: no unlock to forget when a migration fails.
                migrate(c);
            }
        } else {
            synchronized (H2_MIGRATION) {
                try (Connection c = DriverManager.getConnection(url, props)) {
                    migrate(c);
                }
            }
        }
    }

    private void migrate(Connection c) throws SQLException {
        c.setAutoCommit(false);
        inTransaction(c, () -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
                        + "name VARCHAR(200) NOT NULL, applied BIGINT NOT NULL)");
            }
        });
        for (int i = 0; i < MIGRATIONS.size(); i++) {
            int version = i + 1;
            String name = MIGRATIONS.get(i);
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM schema_version WHERE version = ?")) {
                q.setInt(1, version);
                try (ResultSet r = q.executeQuery()) {
                    if (r.next()) {
                        c.commit();
                        continue;
                    }
                }
            }
            String sql = resource("/db/migration/" + name);
            inTransaction(c, () -> {
                try (Statement s = c.createStatement()) {
                    for (String statement : statements(sql)) {
                        s.execute(statement);
                    }
                }
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)")) {
                    ins.setInt(1, version);
                    ins.setString(2, name);
                    ins.setLong(3, System.currentTimeMillis());
                    ins.executeUpdate();
                }
            });
            LOG.info("store {}: applied migration {}", describe(), name);
        }
    }

    private interface Step {
        void run() throws SQLException;
    }

    /** One migration step on the migration's connection: commits, or rolls back and rethrows. */
    private static void inTransaction(Connection c, Step step) throws SQLException {
        try {
            step.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    /** The schema version, for tests and {@code serve --check}. */
    public int schemaVersion() throws SQLException {
        return inTransaction(c -> {
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                r.next();
                return r.getInt(1);
            }
        });
    }

    /** Splits a script at semicolons that end a line; lines starting with {@code --} are comments. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : sql.split("\n")) {
            String t = line.strip();
            if (t.startsWith("--") || t.isEmpty()) {
                continue;
            }
            cur.append(line).append('\n');
            if (t.endsWith(";")) {
                String s = cur.toString().strip();
                out.add(s.substring(0, s.length() - 1));
                cur.setLength(0);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().strip());
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = Database.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing migration " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration " + path, e);
        }
    }

    @Override
    public void close() {
        if (keeper != null) {
            try {
                keeper.close();
            } catch (SQLException e) {
                LOG.debug("store: closing {}: {}", describe(), e.toString());
            }
        }
    }
}
