package io.pxereimage.runtime.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.device.Secrets;

/**
 * A throwaway PostgreSQL server from Debian's package ({@code /usr/lib/postgresql/<n>/bin}) for the store's tests:
 * a cluster in a temporary directory, TCP on 127.0.0.1 and a free port, its Unix socket in the same directory
 * (never the system's {@code /var/run/postgresql}), password authentication only, {@code fsync} on (the default).
 * {@link #close()} stops it and deletes the directory.
 *
 * <p>PostgreSQL refuses to run as root: when the test JVM is root the server runs as the {@code postgres} user
 * (through {@code setpriv}, which execs, so the process we hold is the postmaster itself); otherwise as the current
 * user. {@code initdb --no-sync} skips flushing the fresh cluster's files, which saves most of initdb's time; the
 * server itself syncs its WAL at every commit as in production, and a cluster lost to an OS crash during a test is
 * of no concern.
 */
public final class PostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    /** The role the tests connect as; it owns every database {@link #createDatabase()} makes. */
    public static final String USER = "pxe";
    private static final String ADMIN = "admin";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path bin;
    private final Path dir;
    private final boolean asPostgresUser;
    private final String adminPassword = Secrets.randomHex(16);
    private final String password = Secrets.randomHex(16);
    private int port;
    private Process postmaster;
    private boolean closed;
    /** Stops the server and deletes its directory when the test JVM is stopped before {@link #close()}. */
    private final Thread cleanup = new Thread(this::closeQuietly, "postgres-cleanup");

    private PostgresServer(Path bin, Path dir, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.asPostgresUser = asPostgresUser;
    }

    /**
     * Creates and starts a cluster with the role {@link #USER}. Skips (fails under {@code CI=true}) when the
     * PostgreSQL binaries are missing.
     */
    public static PostgresServer start() throws Exception {
        Path bin = findBin();
        Prerequisites.require(bin != null, "PostgreSQL server binaries (initdb, postgres) not found under "
                + "/usr/lib/postgresql/*/bin or $PG_BIN (Debian package postgresql; run lab/install-deps.sh)");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Prerequisites.requireCommands("setpriv");
        }
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("pxe-pg-");
        PostgresServer pg = new PostgresServer(bin, dir, root);
        Runtime.getRuntime().addShutdownHook(pg.cleanup);
        try {
            pg.initdb();
            long t1 = System.nanoTime();
            pg.startPostmaster();
            try (Connection c = pg.connect("postgres", ADMIN, pg.adminPassword); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + pg.password + "'");
            }
            LOG.info("PostgreSQL from {} on 127.0.0.1:{} in {}: initdb {} ms, start {} ms", bin, pg.port, dir,
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        } catch (Exception | AssertionError e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    /** The newest {@code /usr/lib/postgresql/<n>/bin} with initdb and postgres, or {@code $PG_BIN}. */
    private static Path findBin() throws IOException {
        String env = System.getenv("PG_BIN");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        } else if (Files.isDirectory(Path.of("/usr/lib/postgresql"))) {
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                versions.map(v -> v.resolve("bin"))
                        .sorted(Comparator.comparing((Path p) -> versionOf(p)).reversed())
                        .forEach(candidates::add);
            }
        }
        for (Path b : candidates) {
            if (Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres"))) {
                return b;
            }
        }
        return null;
    }

    private static int versionOf(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void initdb() throws Exception {
        Path pwfile = dir.resolve("admin.pw");
        Files.writeString(pwfile, adminPassword + "\n");
        if (asPostgresUser) {
            chownToPostgres(dir);
            chownToPostgres(pwfile);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", dataDir().toString(), "-U", ADMIN,
                "--pwfile=" + pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
                "--no-instructions"), dir.resolve("initdb.log"));
        Files.delete(pwfile);
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    /** Starts the postmaster on a free port and waits until it takes connections. */
    private void startPostmaster() throws Exception {
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            spawn();
            if (awaitReady(System.nanoTime() + TimeUnit.SECONDS.toNanos(30))) {
                return;
            }
            boolean portTaken = log().contains("could not bind");
            stopPostmaster();
            if (!portTaken || attempt >= 3) {
                throw new IllegalStateException("PostgreSQL did not start; its log:\n" + log());
            }
        }
    }

    private void spawn() throws IOException {
        List<String> cmd = command(List.of(bin.resolve("postgres").toString(), "-D", dataDir().toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "port=" + port, "-c", "unix_socket_directories=" + dir,
                "-c", "fsync=on", "-c", "max_connections=100"));
        postmaster = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile())).start();
    }

    /** Waits until the server takes connections; false when it exited or the deadline passed. */
    private boolean awaitReady(long deadlineNanos) throws InterruptedException {
        while (postmaster.isAlive() && System.nanoTime() < deadlineNanos) {
            try (Connection c = connect("postgres", ADMIN, adminPassword)) {
                return c.isValid(5);
            } catch (SQLException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    /** A new, empty database owned by {@link #USER}; returns its JDBC URL. */
    public String createDatabase() throws SQLException {
        String name = "pxe_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres", ADMIN, adminPassword); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /**
     * Kills the postmaster with SIGKILL (as a power cut would stop it, minus the OS) and starts it again on the
     * same cluster: PostgreSQL replays its WAL. Its backends notice their parent's death and exit on their own.
     */
    public void crashAndRestart() throws Exception {
        postmaster.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // A restart refuses while old backends still hold the shared memory; they are gone within a moment.
        while (true) {
            spawn();
            if (awaitReady(deadline)) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                stopPostmaster();
                throw new IllegalStateException("PostgreSQL did not restart after a crash; its log:\n" + log());
            }
            Thread.sleep(100);
        }
    }

    /** The server's log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private Connection connect(String database, String user, String pw) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", pw);
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url(database), p);
    }

    /** The command as the user that may run PostgreSQL. */
    private List<String> command(List<String> cmd) {
        if (!asPostgresUser) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres",
                "--clear-groups", "--"));
        out.addAll(cmd);
        return out;
    }

    private void run(List<String> cmd, Path log) throws Exception {
        Process p = new ProcessBuilder(command(cmd)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd.get(0) + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n"
                    + Files.readString(log));
        }
    }

    private static void chownToPostgres(Path p) throws IOException {
        UserPrincipalLookupService users = p.getFileSystem().getUserPrincipalLookupService();
        GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName("postgres"));
        view.setGroup(group);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Fast shutdown (SIGINT: rolls back open transactions, disconnects clients), then SIGKILL if it hangs. */
    private void stopPostmaster() throws InterruptedException {
        if (postmaster == null || !postmaster.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            postmaster.destroy();
        }
        if (!postmaster.waitFor(15, TimeUnit.SECONDS)) {
            postmaster.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (Exception e) {
            LOG.warn("PostgreSQL in {}: cleanup failed: {}", dir, e.toString());
        }
    }

    /** Idempotent, and safe against the shutdown hook running at the same time. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != cleanup) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it does the same
            }
        }
        try {
            stopPostmaster();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            postmaster.destroyForcibly();
        } finally {
            deleteDir();
        }
    }

    private void deleteDir() throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
