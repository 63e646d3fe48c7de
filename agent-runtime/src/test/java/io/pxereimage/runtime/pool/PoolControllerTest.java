package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.multicast.MulticastSender;
import io.pxereimage.runtime.multicast.MulticastSessions;
import io.pxereimage.runtime.multicast.MulticastSettings;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.power.BmcSpec;
import io.pxereimage.runtime.power.PowerDriver;
import io.pxereimage.runtime.power.PowerException;
import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.MutableClock;

/**
 * The controller against a fake BMC and a scripted agent (the job queue is driven as the agent would): the whole
 * lifecycle, failures, quarantine, timeouts, heartbeat expiry and a restart in the middle of a deploy.
 */
class PoolControllerTest {
    static final MacAddress MAC1 = MacAddress.parse("52:54:00:aa:00:01");
    static final MacAddress MAC2 = MacAddress.parse("52:54:00:aa:00:02");

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    final Map<String, FakeBmc> bmcs = new HashMap<>();
    Database db;
    DeployServices deploy;
    PoolController pool;

    @BeforeEach
    void setUp() throws Exception {
        bmcs.put("m1", new FakeBmc());
        bmcs.put("m2", new FakeBmc());
        start(settings(PoolSettings.Cleanup.WIPE, true, Map.of()));
    }

    private void start(PoolSettings s) throws Exception {
        db = Database.embedded(dir.resolve("data"));
        MachineRegistry registry = new MachineRegistry(List.of(
                new MachinePlan(MAC1, "m1", MachinePlan.Action.LOCAL, null),
                new MachinePlan(MAC2, "m2", MachinePlan.Action.LOCAL, null)), null);
        deploy = new DeployServices(dir.resolve("data"), clock, registry, new BootSpec("k", List.of("i"), ""),
                new AgentSettings(10, List.of()), new SimpleMeterRegistry());
        deploy.images().put(new ImageEntry("demo", "/x/demo.img", "ab".repeat(32), 1 << 20, "none", 1 << 20,
                List.of(), clock.instant()));
        BmcSpec bmc = new BmcSpec("ipmi", "10.0.0.9", "admin", "pw", null, null, null);
        List<PoolMachine> machines = List.of(
                new PoolMachine("m1", List.of(MAC1), java.util.Set.of("metal", "x86"), bmc, null),
                new PoolMachine("m2", List.of(MAC2), java.util.Set.of("metal", "arm64"), bmc, null));
        pool = new PoolController(new PoolStore(db), s, machines, m -> bmcs.get(m.name()), deploy, clock,
                Duration.ofMillis(20));
        pool.start();
    }

    private void restart(PoolSettings s) throws Exception {
        pool.close();
        deploy.close();
        db.close();
        start(s);
    }

    @AfterEach
    void tearDown() {
        pool.close();
        deploy.close();
        db.close();
    }

    static PoolSettings settings(PoolSettings.Cleanup cleanup, boolean phoneHome, Map<MachineState, Integer> t) {
        Map<MachineState, Integer> timeouts = new EnumMap<>(PoolSettings.DEFAULT_TIMEOUTS);
        timeouts.putAll(t);
        return new PoolSettings("r1", "demo", cleanup, null, phoneHome, 3, 0, 0, 60, 3600, timeouts, 1, 0);
    }

    static PoolApi.LeaseRequest ask(String labels) {
        return new PoolApi.LeaseRequest(labels, null, "build-1", Map.of("jenkinsSecret", "s3cr3t"), "jenkins",
                true, null, null);
    }

    @Test
    void leaseGoesToReadyOnPhoneHomeThenIsCleanedAndAvailable() throws Exception {
        Lease l = pool.lease(ask("metal && x86"));
        assertThat(l.machine()).isEqualTo("m1");
        await(() -> state("m1") == MachineState.NETBOOTING);
        FakeBmc bmc = bmcs.get("m1");
        assertThat(bmc.calls).containsExactly("bootPxeOnce", "status", "on");
        assertThat(plan(MAC1)).isEqualTo(MachinePlan.Action.DEPLOY);

        // The agent takes the deploy job: deploying; it succeeds: booting-os, plan local.
        JobRecord job = agentTakes(MAC1);
        Job.DeployImage d = (Job.DeployImage) job.job();
        assertThat(d.firstBoot().hostname()).isEqualTo("build-1");
        assertThat(d.firstBoot().data()).containsEntry("jenkinsSecret", "s3cr3t");
        assertThat(d.firstBoot().readyUrl()).startsWith(PoolController.READY_PATH);
        await(() -> state("m1") == MachineState.DEPLOYING);
        deploy.jobs().finish(MAC1, job.id(), JobResult.succeeded("written"));
        await(() -> state("m1") == MachineState.BOOTING_OS);
        assertThat(plan(MAC1)).isEqualTo(MachinePlan.Action.LOCAL);

        assertThat(pool.ready("not-the-token")).isFalse();
        String token = d.firstBoot().readyUrl().substring(PoolController.READY_PATH.length());
        assertThat(pool.ready(token)).isTrue();
        await(() -> state("m1") == MachineState.READY);
        assertThat(pool.lease(l.id()).orElseThrow().state()).isEqualTo(LeaseState.READY);

        // Release: releasing -> cleaning (wipe job + power cycle) -> agent wipes -> power off -> available.
        bmc.on = true;
        bmc.calls.clear();
        assertThat(pool.release(l.id()).orElseThrow().state()).isEqualTo(LeaseState.RELEASED);
        await(() -> state("m1") == MachineState.CLEANING && bmc.calls.contains("cycle"));
        JobRecord wipe = agentTakes(MAC1);
        assertThat(wipe.job()).isInstanceOf(Job.Wipe.class);
        deploy.jobs().finish(MAC1, wipe.id(), JobResult.succeeded("wiped"));
        await(() -> state("m1") == MachineState.AVAILABLE);
        assertThat(bmc.calls).containsExactly("bootPxeOnce", "status", "cycle", "off");
        assertThat(plan(MAC1)).isEqualTo(MachinePlan.Action.LOCAL);

        List<String> path = new ArrayList<>();
        for (PoolEvent e : pool.events(0, "m1", null, 1000)) {
            if (e.to() != null) {
                path.add(e.to());
            }
        }
        assertThat(path).containsExactly("available", "leased", "powering", "netbooting", "deploying", "booting-os",
                "ready", "releasing", "cleaning", "available");
        assertThat(pool.events(0, null, l.id(), 1000)).allSatisfy(e ->
                assertThat(e.message()).doesNotContain("s3cr3t").doesNotContain(token));
    }

    @Test
    void readyPostedBeforeTheDeployEndIsSeenCountsOnceItIs() throws Exception {
        Lease l = pool.lease(ask("x86"));
        JobRecord job = agentTakes(MAC1);
        await(() -> state("m1") == MachineState.DEPLOYING);
        String url = ((Job.DeployImage) job.job()).firstBoot().readyUrl();
        assertThat(pool.ready(url.substring(PoolController.READY_PATH.length()))).isTrue();
        assertThat(state("m1")).isEqualTo(MachineState.DEPLOYING);
        deploy.jobs().finish(MAC1, job.id(), JobResult.succeeded("written"));
        await(() -> state("m1") == MachineState.READY);
        assertThat(pool.lease(l.id()).orElseThrow().state()).isEqualTo(LeaseState.READY);
    }

    @Test
    void wrongBmcPasswordFailsTheLeaseAndQuarantinesTheMachine() throws Exception {
        bmcs.get("m1").error = new PowerException(PowerException.Kind.AUTH, "ipmitool 10.0.0.9:623: wrong password");
        Lease l = pool.lease(ask("x86"));
        await(() -> state("m1") == MachineState.QUARANTINED);
        Lease after = pool.lease(l.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(LeaseState.FAILED);
        assertThat(after.message()).contains("BMC (ipmi 10.0.0.9)").contains("AUTH").contains("wrong password");
        MachineStatus m = pool.machines().stream().filter(x -> x.name().equals("m1")).findFirst().orElseThrow();
        assertThat(m.message()).contains("configuration error").contains("wrong password").contains("pool clear m1");
        // An admin fixes the password and clears it: cleaned (wipe), available again.
        bmcs.get("m1").error = null;
        pool.clear("m1");
        JobRecord wipe = agentTakes(MAC1);
        deploy.jobs().finish(MAC1, wipe.id(), JobResult.succeeded("wiped"));
        await(() -> state("m1") == MachineState.AVAILABLE);
    }

    @Test
    void unreachableBmcFailsRetriesAndIsQuarantinedAfterThreeFailures() throws Exception {
        bmcs.get("m1").error = new PowerException(PowerException.Kind.UNREACHABLE, "10.0.0.9:623: no route");
        Lease l = pool.lease(ask("x86"));
        await(() -> state("m1") == MachineState.QUARANTINED);
        assertThat(pool.lease(l.id()).orElseThrow().state()).isEqualTo(LeaseState.FAILED);
        List<String> path = pool.events(0, "m1", null, 1000).stream().map(PoolEvent::to)
                .filter(java.util.Objects::nonNull).toList();
        assertThat(path).containsSubsequence("powering", "failed", "cleaning", "failed", "cleaning", "failed",
                "quarantined");
        assertThat(pool.machines().get(0).failures()).isEqualTo(3);
    }

    @Test
    void agentThatNeverComesTimesOutAndFailsTheLease() throws Exception {
        restart(settings(PoolSettings.Cleanup.OFF, true, Map.of(MachineState.NETBOOTING, 30)));
        Lease l = pool.lease(ask("x86"));
        await(() -> state("m1") == MachineState.NETBOOTING);
        clock.advance(Duration.ofSeconds(31));
        await(() -> pool.lease(l.id()).orElseThrow().state() == LeaseState.FAILED);
        assertThat(pool.lease(l.id()).orElseThrow().message()).contains("netbooting: timed out after 30 s")
                .contains("no deploy agent took the job");
        await(() -> state("m1") == MachineState.AVAILABLE); // cleanup off: powered off, back in the pool
        assertThat(bmcs.get("m1").calls).endsWith("off");
    }

    @Test
    void leaseWithoutHeartbeatExpiresAndItsMachineIsCleaned() throws Exception {
        Lease l = pool.lease(new PoolApi.LeaseRequest("x86", null, null, null, "ci", true, null, 10));
        await(() -> state("m1") == MachineState.NETBOOTING);
        clock.advance(Duration.ofSeconds(8));
        assertThat(pool.heartbeat(l.id()).orElseThrow().expires()).isEqualTo(clock.instant().plusSeconds(10));
        clock.advance(Duration.ofSeconds(8));
        Thread.sleep(100);
        assertThat(pool.lease(l.id()).orElseThrow().state()).isEqualTo(LeaseState.PROVISIONING);
        clock.advance(Duration.ofSeconds(3));
        await(() -> pool.lease(l.id()).orElseThrow().state() == LeaseState.EXPIRED);
        await(() -> state("m1") == MachineState.CLEANING);
        assertThat(pool.lease(l.id()).orElseThrow().message()).contains("no heartbeat");
    }

    @Test
    void restartDuringDeployStartsTheDeployAgainAndEndsReady() throws Exception {
        restart(settings(PoolSettings.Cleanup.WIPE, false, Map.of()));
        Lease l = pool.lease(ask("x86"));
        JobRecord first = agentTakes(MAC1);
        await(() -> state("m1") == MachineState.DEPLOYING);

        restart(settings(PoolSettings.Cleanup.WIPE, false, Map.of())); // jobs in memory are gone
        bmcs.get("m1").on = true;
        bmcs.get("m1").calls.clear();
        JobRecord second = agentTakes(MAC1);
        assertThat(second.id()).isNotEqualTo(first.id());
        await(() -> bmcs.get("m1").calls.contains("cycle"));
        assertThat(bmcs.get("m1").calls).containsExactly("bootPxeOnce", "status", "cycle");
        deploy.jobs().finish(MAC1, second.id(), JobResult.succeeded("written"));
        await(() -> state("m1") == MachineState.READY); // readyWhen: deployed
        assertThat(pool.lease(l.id()).orElseThrow().state()).isEqualTo(LeaseState.READY);
        assertThat(pool.events(0, "m1", null, 1000)).anySatisfy(e ->
                assertThat(e.message()).contains("restarted during the deploy"));
    }

    @Test
    void waitingLeaseGetsTheMachineWhenItIsAvailableAgain() throws Exception {
        restart(settings(PoolSettings.Cleanup.OFF, false, Map.of()));
        Lease first = pool.lease(ask("x86"));
        Lease second = pool.lease(ask("x86"));
        assertThat(second.state()).isEqualTo(LeaseState.PENDING);
        await(() -> state("m1") == MachineState.NETBOOTING);
        pool.release(first.id());
        await(() -> pool.lease(second.id()).orElseThrow().machine() != null);
        assertThat(pool.lease(second.id()).orElseThrow().machine()).isEqualTo("m1");
    }

    /**
     * With multicast configured, two leases granted together deploy in one session (the gathering window), and the
     * session's events reach each machine's pool history (the lease's event stream). The window is 3 s so that
     * the second grant lands in it on a loaded machine too (300 ms failed at load 12).
     */
    @Test
    void leasesGrantedTogetherShareAMulticastSessionVisibleInThePoolHistory() throws Exception {
        Path file = dir.resolve("mc.img");
        java.nio.file.Files.write(file, new byte[4096]);
        deploy.images().put(new ImageEntry("mc", file.toString(), "cd".repeat(32), 4096, "none", 4096, List.of(),
                clock.instant()));
        java.util.concurrent.CountDownLatch bothTaken = new java.util.concurrent.CountDownLatch(1);
        MulticastSettings ms = new MulticastSettings((java.net.Inet4Address) java.net.InetAddress.getByName(
                "239.255.80.1"), 7400, null, Duration.ofSeconds(3), 0, 1, Duration.ofSeconds(30),
                Duration.ofSeconds(5), 10, 4);
        try (MulticastSessions sessions = new MulticastSessions(ms, java.net.NetworkInterface.getByName("lo"),
                deploy.flow(), deploy.jobs(), deploy.events(), deploy.images()::fileFor, Clock.systemUTC(),
                c -> {
                    // a real session lasts until its receivers registered: end only once both agents took their
                    // jobs (an instant end switched m2's job, not yet taken, to unicast)
                    bothTaken.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    return new MulticastSender.Report(1, 4096, 3, 0, 1_000_000, List.of(), 0, 0);
                },
                new SimpleMeterRegistry())) {
            Lease l1 = pool.lease(new PoolApi.LeaseRequest("x86", "mc", "b1", Map.of(), "jenkins", true, null, null));
            Lease l2 = pool.lease(new PoolApi.LeaseRequest("arm64", "mc", "b2", Map.of(), "jenkins", true, null,
                    null));
            Job.Multicast m1 = ((Job.DeployImage) agentTakes(MAC1).job()).multicast();
            Job.Multicast m2 = ((Job.DeployImage) agentTakes(MAC2).job()).multicast();
            bothTaken.countDown();
            assertThat(m1).isNotNull();
            assertThat(m2).isNotNull();
            assertThat(m1.receiverId()).isNotEqualTo(m2.receiverId());
            assertThat(sessions.sessions()).hasSize(1);
            await(() -> pool.events(0, null, l1.id(), 1000).stream()
                    .anyMatch(e -> e.message() != null && e.message().contains("created with 2 receivers [m1, m2]")));
            await(() -> pool.events(0, null, l2.id(), 1000).stream()
                    .anyMatch(e -> e.message() != null && e.message().contains("multicast-receiver: session")));
        }
    }

    // ---- helpers ----

    private MachineState state(String name) {
        return pool.machines().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().state();
    }

    private MachinePlan.Action plan(MacAddress mac) {
        return deploy.registry().get(mac).orElseThrow().action();
    }

    /** What the agent does: poll, get the job (it is then running). */
    private JobRecord agentTakes(MacAddress mac) throws Exception {
        AtomicReference<JobRecord> got = new AtomicReference<>();
        await(() -> {
            deploy.jobs().poll(mac, Duration.ofMillis(1), j -> {
                got.compareAndSet(null, j);
                return j != null;
            });
            return got.get() != null && !(got.get().job() instanceof Job.Reboot);
        });
        return got.get();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void anAdminPowerCycleGoesThroughTheBmcAndLeavesStateAndLeaseAlone() throws Exception {
        FakeBmc bmc = bmcs.get("m1");
        MachineStatus after = pool.powerCycle("m1").get(5, java.util.concurrent.TimeUnit.SECONDS).orElseThrow();
        assertThat(bmc.calls).containsExactly("status", "on"); // it was off: switched on
        assertThat(after.state()).isEqualTo(MachineState.AVAILABLE);
        pool.powerCycle("m1").get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(bmc.calls).containsExactly("status", "on", "status", "cycle");
        assertThat(pool.events(0, "m1", null, 100)).extracting(PoolEvent::message)
                .contains("power cycle asked by an admin via ipmi", "power cycled by an admin");

        bmc.error = new PowerException(PowerException.Kind.AUTH, "wrong password", null);
        assertThatThrownBy(() -> pool.powerCycle("m1").get(5, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(PoolApi.PowerFailed.class).hasMessageContaining("wrong password");
        assertThat(state("m1")).isEqualTo(MachineState.AVAILABLE); // an admin's failed cycle fails nothing
        assertThat(pool.powerCycle("nope").get(5, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
    }

    static final class FakeBmc implements PowerDriver {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        volatile boolean on;
        volatile PowerException error;

        private void call(String what) throws PowerException {
            calls.add(what);
            if (error != null) {
                throw error;
            }
        }

        @Override
        public State status() throws PowerException {
            call("status");
            return on ? State.ON : State.OFF;
        }

        @Override
        public void on() throws PowerException {
            call("on");
            on = true;
        }

        @Override
        public void off() throws PowerException {
            call("off");
            on = false;
        }

        @Override
        public void cycle() throws PowerException {
            call("cycle");
            on = true;
        }

        @Override
        public void bootPxeOnce() throws PowerException {
            call("bootPxeOnce");
        }
    }

}
