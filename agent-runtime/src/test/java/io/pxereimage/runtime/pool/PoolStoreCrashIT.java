package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.PostgresServer;

/**
 * The acceptance point "a crash (kill -9) at any point loses no lease and never leaves a machine both leased and
 * available": a runtime ({@link PoolHammerMain}, a child JVM) hammers the store and reports each committed
 * operation; it is killed with SIGKILL at a random moment (from JVM start, so some kills land while it opens and
 * migrates the store), five times in a row. After each kill the store must open as it is, hold everything ever
 * reported, and keep {@link PoolInvariants}. On PostgreSQL two of the rounds also SIGKILL the server itself.
 */
class PoolStoreCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(PoolStoreCrashIT.class);
    private static final int ROUNDS = 5;

    @TempDir
    Path dir;

    @FunctionalInterface
    interface Opener {
        Database open() throws Exception;
    }

    @Test
    void h2FileLosesNothingToKill9() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        crashRounds(() -> Database.embedded(data), List.of("h2", data.toString()), Map.of(), null);
    }

    @Test
    void postgresLosesNothingToKill9OfTheRuntimeOrTheServer() throws Exception {
        try (PostgresServer pg = PostgresServer.start()) {
            String url = pg.createDatabase();
            crashRounds(() -> Database.open(url, pg.user(), pg.password()), List.of("pg", url, pg.user()),
                    Map.of(PoolHammerMain.PASSWORD_ENV, pg.password()), pg);
        }
    }

    private void crashRounds(Opener opener, List<String> args, Map<String, String> env, PostgresServer pg)
            throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        PoolHammer.Ledger ledger = new PoolHammer.Ledger();
        int busyRounds = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            // Round 1 kills at any moment from the JVM's start: often while it creates the schema. Later rounds
            // kill while it hammers: after 20-60 committed operations of that round, plus up to 300 ms.
            boolean fromStart = round == 1;
            long killAfterMs = fromStart ? 100 + rnd.nextInt(1500) : rnd.nextInt(300);
            boolean crashServer = pg != null && round % 2 == 0;
            int before = ledger.lines();
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), PoolHammerMain.class.getName()));
            cmd.addAll(args);
            cmd.add(Long.toString(seed + round * 100));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child-stderr.log").toFile()));
            pb.environment().putAll(env);
            Process child = pb.start();
            CountDownLatch opened = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.equals("S")) {
                            opened.countDown();
                        }
                        ledger.add(line);
                    }
                } catch (Exception e) {
                    LOG.warn("reading the child: {}", e.toString());
                }
            }, "child-stdout");
            reader.start();
            if (!fromStart) {
                assertThat(opened.await(30, TimeUnit.SECONDS)).as("the hammer opened the store; its stderr:\n%s",
                        stderr()).isTrue();
            }
            if (!fromStart) {
                // Kill after a random amount of committed work rather than of time: on a loaded machine a fixed
                // delay saw too few operations to prove anything (60-90 in all rounds at load 9+).
                int target = 20 + rnd.nextInt(40);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ledger.lines() - before < target && System.nanoTime() < until && child.isAlive()) {
                    Thread.sleep(5);
                }
            }
            assertThat(child.waitFor(killAfterMs, TimeUnit.MILLISECONDS))
                    .as("the hammer exited by itself; its stderr:\n%s", stderr()).isFalse();
            if (crashServer) {
                pg.crashAndRestart();
            }
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            int committed = ledger.lines() - before;
            if (committed > 0) {
                busyRounds++;
            }
            long t = System.nanoTime();
            try (Database db = opener.open()) {
                PoolStore store = new PoolStore(db);
                assertThat(ledger.lost(store)).as("round %d (seed %d): committed and lost", round, seed).isEmpty();
                assertThat(PoolInvariants.violations(db)).as("round %d (seed %d)", round, seed).isEmpty();
            }
            LOG.info("crash round {}: killed {} ms after {}{}, {} operations committed, reopened and checked in {} ms",
                    round, killAfterMs, fromStart ? "its start" : "its round's share of committed operations",
                    crashServer ? " with the PostgreSQL server" : "", committed,
                    (System.nanoTime() - t) / 1_000_000);
        }
        // A test that never saw work in flight proves nothing.
        assertThat(busyRounds).as("rounds killed while hammering (seed %d)", seed).isGreaterThanOrEqualTo(3);
        assertThat(ledger.lines()).as("committed operations in all rounds (seed %d)", seed).isGreaterThan(100);
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("child-stderr.log"));
        } catch (Exception e) {
            return "(none: " + e + ")";
        }
    }
}
