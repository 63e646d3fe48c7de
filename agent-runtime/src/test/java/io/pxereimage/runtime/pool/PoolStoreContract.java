package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.store.Database;

/**
 * The store's behaviour, whatever the database: grants, transitions, caps, ends, migrations. {@link PoolStoreTest}
 * runs it on the embedded H2 file, {@link PoolStorePostgresIT} on a real PostgreSQL server.
 */
abstract class PoolStoreContract {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    Database db;
    PoolStore store;
    SiteStore sites;

    /** A new, empty database for this test, migrated. */
    abstract Database freshDatabase() throws Exception;

    /** This test's database opened again (as a restarted runtime would). */
    abstract Database reopen() throws Exception;

    @BeforeEach
    void open() throws Exception {
        db = freshDatabase();
        store = new PoolStore(db);
        sites = new SiteStore(db);
    }

    @AfterEach
    void close() {
        if (db != null) {
            db.close();
        }
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
    void leaseCountsLeaveTheEndedStatesOutUnlessAsked() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease first = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0.plusSeconds(1));
        store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0.plusSeconds(2));
        store.end(first.id(), LeaseState.RELEASED, "api", "done", T0);
        assertThat(store.leaseCounts(false)).containsOnly(Map.entry(LeaseState.PENDING, 2L));
        assertThat(store.leaseCounts(true))
                .containsOnly(Map.entry(LeaseState.PENDING, 2L), Map.entry(LeaseState.RELEASED, 1L));
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
        db = reopen();
        store = new PoolStore(db);
        assertThat(db.schemaVersion()).isEqualTo(2);
        assertThat(store.lease(l.id()).orElseThrow().machine()).isEqualTo("m1");
        assertThat(store.machine("m1").orElseThrow().state()).isEqualTo(MachineState.LEASED);
    }

    @Test
    void migrationsAreAppliedOnce() throws Exception {
        List<String> applied = schemaVersions();
        assertThat(applied).hasSize(2);
        assertThat(applied.get(0)).startsWith("1 V1__pool.sql ");
        assertThat(applied.get(1)).startsWith("2 V2__sites.sql ");
        for (int i = 0; i < 2; i++) {
            db.close();
            db = reopen();
        }
        assertThat(schemaVersions()).isEqualTo(applied);
    }

    @Test
    void aMigrationInterruptedHalfWayIsCompletedAtTheNextOpen() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        // What a runtime killed mid-migration leaves on H2, which commits DDL statement by statement: some of the
        // tables, no lock row, no version row.
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM schema_version");
                s.execute("DROP TABLE jobs");
                s.execute("DELETE FROM locks");
            }
            return null;
        });
        db.close();
        db = reopen();
        store = new PoolStore(db);
        assertThat(db.schemaVersion()).isEqualTo(2);
        assertThat(store.machine("m1")).isPresent();
        assertThat(store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0).state())
                .isEqualTo(LeaseState.PROVISIONING);
        store.saveJob("j1", "m1", "deploy", "queued", null, T0, null, null);
        assertThat(PoolInvariants.violations(db)).isEmpty();
    }

    @Test
    void aSiteSilentLongerThanItsTimeoutIsMarkedUnreachableOnceAndBackWithItsNextHeartbeat() throws Exception {
        Duration thirty = Duration.ofSeconds(30);
        store.sync(List.of(machine(1, "rack-a")), "a", T0);
        store.sync(List.of(machine(2, "rack-b"), machine(3, "rack-b")), "b", T0);
        assertThat(sites.heartbeat("a", thirty, T0)).isFalse();
        assertThat(sites.heartbeat("b", thirty, T0)).isFalse();
        // b started one lease (powering) when it went silent: that lease stays, the machine may be in use.
        Lease held = store.create(ask("c", "rack-b", true), PoolStore.Caps.NONE, T0);
        assertThat(held.site()).isEqualTo("b");
        MachineStatus h = store.machine(held.machine()).orElseThrow();
        store.move(h.name(), h.version(), MachineState.POWERING, "lease", "power on", PoolStore.LeaseEffect.NONE, T0);
        // The other was granted but never started (leased): it goes back to pending, to be served elsewhere.
        Lease untouched = store.create(ask("c", "rack-b", true), PoolStore.Caps.NONE, T0.plusSeconds(1));
        String other = untouched.machine();
        assertThat(sites.markUnreachable("a", T0.plusSeconds(30))).isEmpty();
        sites.heartbeat("a", thirty, T0.plusSeconds(25));
        // a never marks itself, however late its own heartbeat
        assertThat(sites.markUnreachable("a", T0.plusSeconds(31))).extracting(SiteStatus::name)
                .containsExactly("b");
        assertThat(sites.markUnreachable("a", T0.plusSeconds(32))).isEmpty();
        assertThat(sites.markUnreachable("c", T0.plusSeconds(33))).isEmpty(); // marked once, by whoever first
        assertThat(sites.all()).extracting(SiteStatus::name, SiteStatus::unreachable, SiteStatus::machines)
                .containsExactly(tuple("a", false, 1),
                        tuple("b", true, 2));
        MachineStatus m2 = store.machine(held.machine()).orElseThrow();
        assertThat(m2.unreachable()).isTrue();
        assertThat(m2.state()).isEqualTo(MachineState.POWERING);
        assertThat(m2.lease()).isEqualTo(held.id());
        assertThat(store.events(0, m2.name(), null, 100)).last().satisfies(e -> assertThat(e.message())
                .contains("site b unreachable: no heartbeat for 31 s (its timeout 30 s), noticed by a")
                .contains("keeps its state powering"));
        MachineStatus free = store.machine(other).orElseThrow();
        assertThat(free.state()).isEqualTo(MachineState.AVAILABLE);
        assertThat(free.lease()).isNull();
        assertThat(free.unreachable()).isTrue();
        assertThat(store.events(0, other, null, 100)).extracting(PoolEvent::from, PoolEvent::to)
                .containsExactly(tuple(null, "available"),
                        tuple("available", "leased"),
                        tuple("leased", "available"));
        Lease back = store.lease(untouched.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(LeaseState.PENDING);
        assertThat(back.machine()).isNull();
        assertThat(back.site()).isNull();
        assertThat(back.message()).startsWith("given back by site b, unreachable before it started the deploy");
        assertThat(store.machine("m1").orElseThrow().unreachable()).isFalse();

        // Only b could serve rack-b: not now; wait (saying why) or fail at once with the reason.
        Lease impatient = store.create(ask("c", "rack-b", false), PoolStore.Caps.NONE, T0.plusSeconds(34));
        assertThat(impatient.state()).isEqualTo(LeaseState.FAILED);
        assertThat(impatient.message()).isEqualTo("every machine matching labels 'rack-b' is at an unreachable site:"
                + " b (unreachable since 2026-11-23T12:00:31Z); it is served when its site is back");
        Lease waiting = store.create(ask("c", "rack-b", true), PoolStore.Caps.NONE, T0.plusSeconds(35));
        assertThat(waiting.state()).isEqualTo(LeaseState.PENDING);
        assertThat(waiting.message()).startsWith("waiting: every machine matching labels 'rack-b'");
        assertThat(store.grantPending(PoolStore.Caps.NONE, T0.plusSeconds(36))).isEmpty();
        assertThat(store.lease(untouched.id()).orElseThrow().message()).startsWith("waiting: every machine");
        // a's machine is still granted, by either site's runtime
        assertThat(store.create(ask("c", "rack-a", false), PoolStore.Caps.NONE, T0.plusSeconds(36)).site())
                .isEqualTo("a");
        // the held lease can still be released: its machine goes on in the store, b cleans it when back
        assertThat(store.end(held.id(), LeaseState.RELEASED, "api", "done", T0.plusSeconds(37)).orElseThrow()
                .state()).isEqualTo(LeaseState.RELEASED);

        assertThat(sites.heartbeat("b", thirty, T0.plusSeconds(40))).isTrue();
        assertThat(sites.heartbeat("b", thirty, T0.plusSeconds(41))).isFalse();
        assertThat(store.machines()).noneMatch(MachineStatus::unreachable);
        assertThat(store.machine(held.machine()).orElseThrow().state()).isEqualTo(MachineState.RELEASING);
        assertThat(store.events(0, other, null, 100)).last().satisfies(e -> assertThat(e.message())
                .isEqualTo("site b is back (unreachable since 2026-11-23T12:00:31Z): reachable again, available"));
        // oldest first: the given-back lease gets b's free machine; the later one waits (no reason to give now)
        assertThat(store.grantPending(PoolStore.Caps.NONE, T0.plusSeconds(42))).containsExactly(untouched.id());
        Lease served = store.lease(untouched.id()).orElseThrow();
        assertThat(served.site()).isEqualTo("b");
        assertThat(served.machine()).isEqualTo(other);
        assertThat(served.message()).isNull();
        assertThat(store.lease(waiting.id()).orElseThrow().message()).isNull();
        assertThat(PoolInvariants.violations(db)).isEmpty();
    }

    @Test
    void aPendingLeaseSaysWhyOnlyWhileItsSitesAreUnreachable() throws Exception {
        Duration ten = Duration.ofSeconds(10);
        store.sync(List.of(machine(1, "rack-b")), "b", T0);
        sites.heartbeat("b", ten, T0);
        Lease busy = store.create(ask("c", "rack-b", true), PoolStore.Caps.NONE, T0);
        MachineStatus m = store.machine("m1").orElseThrow();
        store.move("m1", m.version(), MachineState.POWERING, "lease", "power on", PoolStore.LeaseEffect.NONE, T0);
        Lease waiting = store.create(ask("c", "rack-b", true), PoolStore.Caps.NONE, T0);
        assertThat(waiting.message()).isNull(); // merely busy
        sites.markUnreachable("a", T0.plusSeconds(11));
        store.grantPending(PoolStore.Caps.NONE, T0.plusSeconds(12));
        assertThat(store.lease(waiting.id()).orElseThrow().message()).startsWith("waiting: every machine matching");
        sites.heartbeat("b", ten, T0.plusSeconds(13));
        store.grantPending(PoolStore.Caps.NONE, T0.plusSeconds(14));
        assertThat(store.lease(waiting.id()).orElseThrow().message()).isNull();
        assertThat(store.lease(busy.id()).orElseThrow().state()).isEqualTo(LeaseState.PROVISIONING);
    }

    @Test
    void aMachineConfiguredAtTwoSitesIsRefusedWithBothNames() throws Exception {
        store.sync(List.of(machine(1, "x"), machine(2, "x")), "a", T0);
        assertThatThrownBy(() -> store.sync(List.of(machine(2, "x"), machine(3, "x")), "b", T0))
                .isInstanceOf(PoolStore.SiteConflict.class)
                .hasMessageContaining("site b: machines [m2 (site a)] belong to another site")
                .hasMessageContaining("configured at one site only");
        assertThat(store.machines()).extracting(MachineStatus::name, MachineStatus::owner)
                .containsExactly(tuple("m1", "a"),
                        tuple("m2", "a"));
        // Moving it: the old site lets go first (its config no longer has it), then the new one takes it.
        store.sync(List.of(machine(1, "x")), "a", T0);
        store.sync(List.of(machine(2, "x"), machine(3, "x")), "b", T0);
        assertThat(store.machine("m2").orElseThrow().owner()).isEqualTo("b");
    }

    @Test
    void jobsNotesAndEventsKeepTheirNulls() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        store.saveJob("j1", "m1", "deploy", "queued", null, T0, null, null);
        store.saveJob("j1", "m1", "deploy", "running", "writing", T0, T0.plusSeconds(1), null);
        store.saveJob("j2", "m1", "clean", "done", null, T0, T0, T0.plusSeconds(2));
        assertThat(store.failUnfinishedJobs("the runtime restarted", T0.plusSeconds(5))).isEqualTo(1);
        assertThat(jobs()).containsExactly("j1 failed the runtime restarted 1795435201000 1795435205000",
                "j2 done null 1795435200000 1795435202000");
        store.note("m1", null, "power", "power on sent", T0);
        List<PoolEvent> events = store.events(0, "m1", null, 100);
        assertThat(events).extracting(PoolEvent::cause).containsExactly("config", "power");
        assertThat(events.get(1).lease()).isNull();
        assertThat(store.events(events.get(0).seq(), null, null, 100)).extracting(PoolEvent::cause)
                .containsExactly("power");
    }

    @Test
    void readyTokenFindsTheOpenLeaseOnly() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        String sha = "ab".repeat(32);
        store.setReadyToken(l.id(), sha);
        assertThat(store.leaseByReadyToken(sha)).map(Lease::id).contains(l.id());
        store.end(l.id(), LeaseState.RELEASED, "api", "done", T0);
        assertThat(store.leaseByReadyToken(sha)).isEmpty();
    }

    @Test
    void leasesAreListedNewestFirstByClientAndState() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease a = store.create(ask("c1", "metal", true), PoolStore.Caps.NONE, T0);
        Lease b = store.create(ask("c1", "metal", true), PoolStore.Caps.NONE, T0.plusSeconds(1));
        Lease c = store.create(ask("c2", "metal", true), PoolStore.Caps.NONE, T0.plusSeconds(2));
        assertThat(store.leases(null, null, 10)).extracting(Lease::id).containsExactly(c.id(), b.id(), a.id());
        assertThat(store.leases("c1", null, 1)).extracting(Lease::id).containsExactly(b.id());
        assertThat(store.leases(null, LeaseState.PENDING, 10)).extracting(Lease::id).containsExactly(c.id(), b.id());
        assertThat(store.leases("c2", LeaseState.PROVISIONING, 10)).isEmpty();
    }

    @Test
    void syncUpdatesLabelsAndRemovesUnconfiguredMachinesUnlessHeld() throws Exception {
        store.sync(List.of(machine(1, "metal"), machine(2, "metal"), machine(3, "metal")), "r1", T0);
        store.sync(List.of(machine(9, "metal")), "r2", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        assertThat(l.machine()).isEqualTo("m1");
        List<String> kept = store.sync(List.of(machine(3, "metal", "gpu")), "r1", T0.plusSeconds(1));
        assertThat(kept).containsExactly("m1");
        assertThat(store.machinesOf("r1")).extracting(MachineStatus::name).containsExactly("m1", "m3");
        assertThat(store.machine("m3").orElseThrow().labels()).containsExactlyInAnyOrder("metal", "gpu");
        assertThat(store.machines()).extracting(MachineStatus::name).containsExactly("m1", "m3", "m9");
    }

    @Test
    void aMachineLetsGoOfAnOpenLeaseOnlyByFailingIt() throws Exception {
        store.sync(List.of(machine(1, "metal")), "r1", T0);
        Lease l = store.create(ask("c", "metal", true), PoolStore.Caps.NONE, T0);
        MachineStatus m = store.machine("m1").orElseThrow();
        assertThatThrownBy(() -> store.move("m1", m.version(), MachineState.RELEASING, "x", "let go",
                PoolStore.LeaseEffect.NONE, T0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lets go of lease " + l.id());
        assertThatThrownBy(() -> store.move("m1", m.version(), MachineState.POWERING, "x", "fail but keep",
                PoolStore.LeaseEffect.FAIL, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.machine("m1").orElseThrow()).isEqualTo(m);
        assertThat(PoolInvariants.violations(db)).isEmpty();
    }

    @Test
    void endingALeaseWhileGrantsRunNeverRevivesIt() throws Exception {
        store.sync(List.of(machine(1, "metal"), machine(2, "metal")), "r1", T0);
        store.create(ask("holder1", "metal", true), PoolStore.Caps.NONE, T0);
        store.create(ask("holder2", "metal", true), PoolStore.Caps.NONE, T0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                Lease waiting = store.create(ask("w", "metal", true), PoolStore.Caps.NONE, T0);
                MachineStatus freed = freeOne(round % 2 == 0 ? "m1" : "m2");
                Future<?> grant = pool.submit(() -> store.grantPending(PoolStore.Caps.NONE, T0));
                Future<?> end = pool.submit(() -> store.end(waiting.id(), LeaseState.RELEASED, "api", "gone", T0));
                grant.get();
                end.get();
                assertThat(store.lease(waiting.id()).orElseThrow().state()).isEqualTo(LeaseState.RELEASED);
                assertThat(PoolInvariants.violations(db)).isEmpty();
                // Take the freed machine back for the next round, whoever had it.
                MachineStatus now = store.machine(freed.name()).orElseThrow();
                if (now.state() == MachineState.RELEASING) {
                    now = store.move(now.name(), now.version(), MachineState.CLEANING, "t", "", PoolStore.LeaseEffect.NONE, T0).orElseThrow();
                    now = store.move(now.name(), now.version(), MachineState.AVAILABLE, "t", "", PoolStore.LeaseEffect.NONE, T0).orElseThrow();
                }
                store.create(ask("holder", "metal", true), PoolStore.Caps.NONE, T0);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentWorkKeepsTheInvariantsAndLosesNothing() throws Exception {
        PoolHammer.Ledger ledger = new PoolHammer.Ledger();
        PoolHammer hammer = new PoolHammer(store, ledger::add);
        hammer.setUp();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                Random rnd = new Random(t);
                workers.add(pool.submit((Callable<Void>) () -> {
                    for (int i = 0; i < 150; i++) {
                        hammer.step(rnd);
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ledger.lines()).isGreaterThan(300);
        assertThat(ledger.lost(store)).isEmpty();
        assertThat(PoolInvariants.violations(db)).isEmpty();
    }

    /** Ends the lease holding machine {@code name} and cleans the machine: it is available again. */
    private MachineStatus freeOne(String name) throws Exception {
        MachineStatus m = store.machine(name).orElseThrow();
        store.end(m.lease(), LeaseState.RELEASED, "api", "done", T0);
        m = store.machine(name).orElseThrow();
        m = store.move(name, m.version(), MachineState.CLEANING, "t", "", PoolStore.LeaseEffect.NONE, T0).orElseThrow();
        return store.move(name, m.version(), MachineState.AVAILABLE, "t", "", PoolStore.LeaseEffect.NONE, T0)
                .orElseThrow();
    }

    /** The schema_version rows as "version name applied". */
    List<String> schemaVersions() throws SQLException {
        return rows("SELECT version, name, applied FROM schema_version ORDER BY version");
    }

    private List<String> jobs() throws SQLException {
        return rows("SELECT id, state, message, started, finished FROM jobs ORDER BY id");
    }

    List<String> rows(String sql) throws SQLException {
        return rows(db, sql);
    }

    /** The rows of a query, each as its columns joined by spaces. */
    static List<String> rows(Database db, String sql) throws SQLException {
        return db.inTransaction(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                int n = r.getMetaData().getColumnCount();
                while (r.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(r.getString(i));
                    }
                    out.add(String.join(" ", row));
                }
            }
            return out;
        });
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
                    f.get(); // two inserts of a new job used to fail with a primary key violation
                }
                store.saveJob(id, "m1", "deploy", "succeeded", "written", T0, T0, T0);
                assertThat(store.jobState(id)).isEqualTo("succeeded");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
