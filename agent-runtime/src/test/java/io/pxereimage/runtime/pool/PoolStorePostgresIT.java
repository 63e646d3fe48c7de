package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.PostgresServer;

/**
 * The store's contract on a real PostgreSQL server (Debian's package, started for this class), plus what only a
 * shared database has: runtimes opening and migrating it at the same time, and competing for its machines.
 */
class PoolStorePostgresIT extends PoolStoreContract {
    static PostgresServer pg;
    String url;

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Override
    Database freshDatabase() throws Exception {
        if (pg == null) {
            // Started by the first test rather than in @BeforeAll, so that without PostgreSQL every test reports
            // itself skipped, with the reason.
            pg = PostgresServer.start();
        }
        url = pg.createDatabase();
        return Database.open(url, pg.user(), pg.password());
    }

    @Override
    Database reopen() throws Exception {
        return Database.open(url, pg.user(), pg.password());
    }

    @Test
    void twoRuntimesOpeningAFreshDatabaseAtOnceBothSucceedAndMigrateOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                String fresh = pg.createDatabase();
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Database>> opens = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    opens.add(pool.submit((Callable<Database>) () -> {
                        together.await();
                        return Database.open(fresh, pg.user(), pg.password());
                    }));
                }
                for (Future<Database> f : opens) {
                    try (Database d = f.get()) {
                        assertThat(d.schemaVersion()).isEqualTo(2);
                    }
                }
                try (Database d = Database.open(fresh, pg.user(), pg.password())) {
                    assertThat(rows(d, "SELECT version, name FROM schema_version ORDER BY version")).containsExactly("1 V1__pool.sql",
                            "2 V2__sites.sql");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoRuntimesCompetingForFiveMachinesGrantEachOnce() throws Exception {
        List<PoolMachine> five = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            five.add(machine(i, "metal"));
        }
        store.sync(five, "r1", T0);
        try (Database other = reopen()) {
            PoolStore[] runtimes = {store, new PoolStore(other)};
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                CyclicBarrier together = new CyclicBarrier(16);
                List<Future<Lease>> results = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int n = i;
                    results.add(pool.submit((Callable<Lease>) () -> {
                        if (n < 16) {
                            together.await();
                        }
                        return runtimes[n % 2].create(ask("c" + n, "metal", n % 3 != 0), PoolStore.Caps.NONE, T0);
                    }));
                }
                List<Lease> leases = new ArrayList<>();
                for (Future<Lease> f : results) {
                    leases.add(f.get());
                }
                assertThat(leases.stream().filter(l -> l.state() == LeaseState.PROVISIONING).map(Lease::machine))
                        .hasSize(5).doesNotHaveDuplicates();
                // The other 45 wait or fail, as each asked.
                assertThat(leases).filteredOn(l -> l.state() != LeaseState.PROVISIONING).hasSize(45)
                        .allMatch(l -> l.state() == (l.waitForMachine() ? LeaseState.PENDING : LeaseState.FAILED));
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(store.machines()).allMatch(m -> m.state() == MachineState.LEASED);
        assertThat(PoolInvariants.violations(db)).isEmpty();
    }
}
