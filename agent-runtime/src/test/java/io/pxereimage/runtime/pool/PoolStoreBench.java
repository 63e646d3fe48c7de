package io.pxereimage.runtime.pool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.PostgresServer;

/**
 * A tiny benchmark, not a test: lease creates (each granted a machine) and ends per second on the embedded H2 file
 * and on a throwaway PostgreSQL, one thread and eight. Run from agent-runtime after {@code mvn test-compile}:
 * {@code java -cp "target/test-classes:target/classes:$(mvn -o -q dependency:build-classpath
 * -Dmdep.outputFile=/dev/stdout)" io.pxereimage.runtime.pool.PoolStoreBench}. Numbers are in docs/store.md.
 */
public final class PoolStoreBench {
    private static final int MACHINES = 200;

    private PoolStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pxe-bench-");
        try (Database db = Database.embedded(Files.createDirectories(dir.resolve("warm-up")))) {
            run("(warm-up)", db, 8); // JIT, class loading
        }
        for (int threads : new int[] {1, 8}) {
            try (Database db = Database.embedded(Files.createDirectories(dir.resolve("h2-" + threads)))) {
                run("H2 file", db, threads);
            }
        }
        try (PostgresServer pg = PostgresServer.start()) {
            for (int threads : new int[] {1, 8}) {
                try (Database db = Database.open(pg.createDatabase(), pg.user(), pg.password())) {
                    run("PostgreSQL", db, threads);
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void run(String name, Database db, int threads) throws Exception {
        PoolStore store = new PoolStore(db);
        List<PoolMachine> machines = new ArrayList<>();
        for (int i = 0; i < MACHINES; i++) {
            machines.add(new PoolMachine(String.format("m%03d", i), List.of(MacAddress.parse(String.format(
                    "52:54:00:00:%02x:%02x", i / 256, i % 256))), Set.of("metal"), null, null));
        }
        store.sync(machines, "bench", Instant.now());
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        double creates = timed(threads, MACHINES, () -> ids.add(store.create(new PoolStore.NewLease("c",
                LabelExpression.parse("metal"), "demo", null, false, 60, null), PoolStore.Caps.NONE,
                Instant.now()).id()));
        List<String> toEnd = new ArrayList<>(ids);
        AtomicInteger next = new AtomicInteger();
        double ends = timed(threads, MACHINES, () -> store.end(toEnd.get(next.getAndIncrement()), LeaseState.RELEASED,
                "bench", "done", Instant.now()));
        System.out.printf("%-10s %d thread(s): %6.0f lease creates/s, %6.0f lease ends/s (%d machines)%n", name,
                threads, creates, ends, MACHINES);
    }

    @FunctionalInterface
    private interface Op {
        void run() throws Exception;
    }

    private static double timed(int threads, int total, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                fs.add(pool.submit(() -> {
                    op.run();
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            return total / ((System.nanoTime() - t) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
