package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.store.Database;

/** The store on the embedded database: grants, transitions, caps, ends; the same suite runs on PostgreSQL. */
class PoolStoreTest {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    @TempDir
    Path dir;
    Database db;
    PoolStore store;

    @BeforeEach
    void open() throws Exception {
        db = Database.embedded(dir);
        store = new PoolStore(db);
    }

    @AfterEach
    void close() {
        db.close();
    }

    static PoolMachine machine(int i, String... labels) {
        return new PoolMachine("m" + i, List.of(MacAddress.parse(String.format("52:54:00:00:00:%02x", i))),
                Set.of(labels), null, null);
    }

    static PoolStore.NewLease ask(String client, String labels, boolean wait) {
        return new PoolStore.NewLease(client, LabelExpression.parse(labels), "demo",
                new Lease.FirstBootData("h", Map.of("secret", "s3cr3t")), wait, 60, null);
    }

    @Test
    void grantsTheMatchingMachineAndRecordsEvents() throws Exception {
        store.sync(List.of(machine(1, "metal", "arm64"), machine(2, "metal", "x86")), "r1", T0);
        Lease l = store.create(ask("c1", "metal && x86", true), PoolStore.Caps.NONE, T0);
        assertThat(l.state()).isEqualTo(LeaseState.PROVISIONING);
        assertThat(l.machine()).isEqualTo("m2");
        assertThat(l.firstBoot().data()).containsEntry("secret", "s3cr3t");
        MachineStatus m2 = store.machine("m2").orElseThrow();
        assertThat(m2.state()).isEqualTo(MachineState.LEASED);
        assertThat(m2.lease()).isEqualTo(l.id());
        assertThat(store.events(0, "m2", null, 100)).extracting(PoolEvent::to).containsExactly("available", "leased");
    }

    @Test
    void waitsOrFailsAsAskedAndFailsAtOnceWhenNothingCouldMatch() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        assertThat(store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0).state())
                .isEqualTo(LeaseState.PROVISIONING);
        Lease waiting = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        assertThat(waiting.state()).isEqualTo(LeaseState.PENDING);
        Lease impatient = store.create(ask("c", "metal", false), PoolStore.Caps.NONE, T0);
        assertThat(impatient.state()).isEqualTo(LeaseState.FAILED);
        assertThat(impatient.message()).contains("asked not to wait");
        Lease impossible = store.create(ask("c", "gpu", true), PoolStore.Caps.NONE, T0);
        assertThat(impossible.state()).isEqualTo(LeaseState.FAILED);
        assertThat(impossible.message()).contains("no machine of the pool matches labels 'gpu'");
    }

    @Test
    void releaseCleansThenThePendingLeaseGetsTheMachine() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease first = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        Lease second = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0.plusSeconds(1));
        Lease ended = store.end(first.id(), LeaseState.RELEASED, "api", "released by its client", T0).orElseThrow();
        assertThat(ended.state()).isEqualTo(LeaseState.RELEASED);
        MachineStatus m = store.machine("m1").orElseThrow();
        assertThat(m.state()).isEqualTo(MachineState.RELEASING);
        assertThat(m.lease()).isNull();
        assertThat(store.grantPending(PoolStore.Caps.NONE, T0)).isEmpty();
        m = store.move("m1", m.version(), MachineState.CLEANING, "cleanup", "wipe", PoolStore.LeaseEffect.NONE, T0)
                .orElseThrow();
        m = store.move("m1", m.version(), MachineState.AVAILABLE, "cleanup", "wiped", PoolStore.LeaseEffect.NONE, T0)
                .orElseThrow();
        assertThat(store.grantPending(PoolStore.Caps.NONE, T0)).containsExactly(second.id());
        assertThat(store.machine("m1").orElseThrow().lease()).isEqualTo(second.id());
        // ending twice changes nothing
        assertThat(store.end(first.id(), LeaseState.EXPIRED, "heartbeat", "x", T0).orElseThrow().state())
                .isEqualTo(LeaseState.RELEASED);
    }

    @Test
    void transitionsAreCompareAndSetAndFollowTheTable() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        MachineStatus m = store.machine("m1").orElseThrow();
        MachineStatus powering = store.move("m1", m.version(), MachineState.POWERING, "lease", "power on",
                PoolStore.LeaseEffect.NONE, T0).orElseThrow();
        assertThat(store.move("m1", m.version(), MachineState.NETBOOTING, "x", "stale", PoolStore.LeaseEffect.NONE,
                T0)).isEmpty();
        assertThatThrownBy(() -> store.move("m1", powering.version(), MachineState.READY, "x", "skip",
                PoolStore.LeaseEffect.NONE, T0)).isInstanceOf(IllegalStateException.class);
        MachineStatus failed = store.move("m1", powering.version(), MachineState.FAILED, "power", "AUTH: bad password",
                PoolStore.LeaseEffect.FAIL, T0).orElseThrow();
        assertThat(failed.failures()).isEqualTo(1);
        assertThat(failed.lease()).isNull();
        Lease after = store.lease(l.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(LeaseState.FAILED);
        assertThat(after.message()).contains("AUTH");
    }

    @Test
    void perClientCapRefusesAndHeldCapMakesLeasesWait() throws Exception {
        store.sync(List.of(machine(1, "metal"), machine(2, "metal"), machine(3, "metal")), "r1", T0);
        PoolStore.Caps caps = new PoolStore.Caps(2, 2);
        store.create(ask("a", "metal", true), caps, T0);
        store.create(ask("a", "metal", true), caps, T0);
        assertThatThrownBy(() -> store.create(ask("a", "metal", true), caps, T0))
                .isInstanceOf(PoolStore.CapExceeded.class).hasMessageContaining("maxLeasesPerClient");
        assertThat(store.create(ask("b", "metal", true), caps, T0).state()).isEqualTo(LeaseState.PENDING);
    }

    @Test
    void concurrentSavesOfANewJobNeitherFailNorDuplicate() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 30; round++) {
                String id = "j-race-" + round;
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Future<Object>> saves = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    saves.add(pool.submit(() -> {
                        go.await();
                        store.saveJob(id, "m1", "deploy", "running", null, T0, T0, null);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<Object> f : saves) {
                    f.get(); // before the fix: ExecutionException, primary key violation
                }
                store.saveJob(id, "m1", "deploy", "succeeded", "written", T0, T0, T0);
                assertThat(store.jobState(id)).isEqualTo("succeeded");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fiftyConcurrentRequestsForFiveMachinesGrantExactlyFive() throws Exception {
        List<PoolMachine> five = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            five.add(machine(i, "metal"));
        }
        store.sync(five, "r1", T0);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Lease>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                results.add(pool.submit((Callable<Lease>) () -> store.create(ask("c" + n, "metal", n % 2 == 0),
                        PoolStore.Caps.NONE, T0)));
            }
            List<Lease> leases = new ArrayList<>();
            for (Future<Lease> f : results) {
                leases.add(f.get());
            }
            List<String> machines = leases.stream().filter(l -> l.state() == LeaseState.PROVISIONING)
                    .map(Lease::machine).toList();
            assertThat(machines).hasSize(5).doesNotHaveDuplicates();
            assertThat(leases.stream().filter(l -> l.state() == LeaseState.PENDING).count()
                    + leases.stream().filter(l -> l.state() == LeaseState.FAILED).count()).isEqualTo(45);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void overdueLeasesAreFoundByHeartbeatAndDeadline() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        assertThat(store.overdue(T0.plusSeconds(30))).isEmpty();
        store.heartbeat(l.id(), T0.plusSeconds(50));
        assertThat(store.overdue(T0.plusSeconds(100))).isEmpty();
        assertThat(store.overdue(T0.plusSeconds(111))).extracting(Lease::id).containsExactly(l.id());
    }

    @Test
    void reopeningKeepsEverythingAndDoesNotMigrateTwice() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        db.close();
        db = Database.embedded(dir);
        store = new PoolStore(db);
        assertThat(db.schemaVersion()).isEqualTo(1);
        assertThat(store.lease(l.id()).orElseThrow().machine()).isEqualTo("m1");
        assertThat(store.machine("m1").orElseThrow().state()).isEqualTo(MachineState.LEASED);
    }
}
