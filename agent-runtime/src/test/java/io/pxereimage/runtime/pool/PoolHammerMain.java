package io.pxereimage.runtime.pool;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

import io.pxereimage.runtime.store.Database;

/**
 * The runtime the crash test kills: opens the store ({@code h2 <dataDir>} or {@code pg <jdbcUrl> <user>}, the
 * password in {@value #PASSWORD_ENV}), prints {@code S} once set up, then hammers it from {@value #THREADS} threads
 * until killed, one line on stdout per committed operation (see {@link PoolHammer}).
 */
public final class PoolHammerMain {
    static final String PASSWORD_ENV = "PXE_TEST_STORE_PASSWORD";
    static final int THREADS = 4;

    private PoolHammerMain() {
    }

    public static void main(String[] args) throws Exception {
        Database db = args[0].equals("h2") ? Database.embedded(Path.of(args[1]))
                : Database.open(args[1], args[2], System.getenv(PASSWORD_ENV));
        PrintStream out = System.out;
        PoolHammer hammer = new PoolHammer(new PoolStore(db), line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
        hammer.setUp();
        synchronized (out) {
            out.println("S");
            out.flush();
        }
        for (int t = 0; t < THREADS; t++) {
            long seed = Long.parseLong(args[args.length - 1]) + t;
            Thread worker = new Thread(() -> {
                Random rnd = new Random(seed);
                while (true) {
                    try {
                        hammer.step(rnd);
                    } catch (Exception e) {
                        // Lock timeouts and the like: the store rolled back; the next step goes on.
                        System.err.println("step failed: " + e);
                    }
                }
            }, "hammer-" + t);
            worker.start();
        }
    }
}
