package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.power.BmcSpec;
import io.pxereimage.runtime.power.PowerException;
import io.pxereimage.runtime.power.Retrying;
import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.IpmiSim;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The BMC error cases of a lease against real ipmitool: OpenIPMI's ipmi_sim with the wrong password, a port where
 * nobody listens, and a BMC that swallows every packet. Each ends in the state docs/power.md describes, with the
 * BMC's words in the lease's and the machine's message, and the password in neither.
 */
class PoolBmcErrorsTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:bb:00:01");

    @TempDir
    Path dir;
    Database db;
    DeployServices deploy;
    PoolController pool;

    @BeforeAll
    static void tools() {
        Prerequisites.requireCommands("ipmitool", "ipmi_sim");
    }

    private void start(BmcSpec bmc, int quarantineAfter, int retryFailedSeconds) throws Exception {
        db = Database.embedded(dir.resolve("data"));
        MachineRegistry registry = new MachineRegistry(List.of(new MachinePlan(MAC, "m1", MachinePlan.Action.LOCAL,
                null)), null);
        deploy = new DeployServices(dir.resolve("data"), Clock.systemUTC(), registry, new BootSpec("k", List.of(), ""),
                new AgentSettings(10, List.of()), new SimpleMeterRegistry());
        deploy.images().put(new ImageEntry("demo", "/x", "cd".repeat(32), 1, "none", 1, List.of(),
                Clock.systemUTC().instant()));
        PoolSettings s = new PoolSettings("r1", "demo", PoolSettings.Cleanup.OFF, null, true, quarantineAfter, 0, 0,
                60, 3600, new EnumMap<>(PoolSettings.DEFAULT_TIMEOUTS), 2, retryFailedSeconds);
        PoolMachine m = new PoolMachine("m1", List.of(MAC), Set.of("metal"), bmc, null);
        pool = new PoolController(new PoolStore(db), s, List.of(m), pm -> {
            try {
                return new Retrying(pm.bmc().create(pm.name(), MAC.toString(), x -> { }), s.powerAttempts(),
                        Duration.ofMillis(200));
            } catch (PowerException e) {
                throw new IllegalStateException(e);
            }
        }, deploy, Clock.systemUTC(), Duration.ofMillis(50));
        pool.start();
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
            deploy.close();
            db.close();
        }
    }

    private Lease leaseAndAwait(MachineState end) throws Exception {
        Lease l = pool.lease(new PoolApi.LeaseRequest("metal", null, null, null, "ci", true, null, null));
        await(() -> machine().state() == end, Duration.ofSeconds(60));
        return pool.lease(l.id()).orElseThrow();
    }

    private MachineStatus machine() {
        return pool.machines().get(0);
    }

    @Test
    void wrongPasswordIsAnAuthErrorAndQuarantinesAtOnce() throws Exception {
        try (IpmiSim sim = new IpmiSim(Files.createDirectories(dir.resolve("sim")))) {
            start(new BmcSpec("ipmi", "127.0.0.1:" + sim.port, IpmiSim.USER, "Wrong-pass1", null, null,
                    Duration.ofSeconds(10)), 3, 0);
            Lease l = leaseAndAwait(MachineState.QUARANTINED);
            assertThat(l.state()).isEqualTo(LeaseState.FAILED);
            assertThat(l.message()).contains("BMC (ipmi 127.0.0.1:" + sim.port + ")").contains("AUTH")
                    .doesNotContain("Wrong-pass1");
            assertThat(machine().failures()).isEqualTo(1);
            assertThat(machine().message()).contains("configuration error").contains("pool clear m1");
            assertThat(sim.file("calls.log")).as("nothing reached the chassis").isEmpty();
        }
    }

    @Test
    void bmcThatNobodyAnswersFailsAfterRetriesAndIsQuarantinedAfterTwoFailures() throws Exception {
        start(new BmcSpec("ipmi", "127.0.0.1:" + IpmiSim.freeUdpPort(), "admin", "x", null, null,
                Duration.ofSeconds(10)), 2, 0);
        Lease l = leaseAndAwait(MachineState.QUARANTINED);
        assertThat(l.state()).isEqualTo(LeaseState.FAILED);
        assertThat(l.message()).containsAnyOf("UNREACHABLE", "TIMEOUT").contains("did not answer");
        List<String> path = pool.events(0, "m1", null, 100).stream().map(PoolEvent::to)
                .filter(java.util.Objects::nonNull).toList();
        assertThat(path).containsSubsequence("powering", "failed", "cleaning", "failed", "quarantined");
    }

    @Test
    void bmcThatSwallowsPacketsTimesOutAndTheMachineRestsFailed() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> {
                byte[] b = new byte[512];
                try {
                    while (true) {
                        silent.receive(new DatagramPacket(b, b.length));
                    }
                } catch (Exception closed) {
                    // test over
                }
            });
            sink.setDaemon(true);
            sink.start();
            start(new BmcSpec("ipmi", "127.0.0.1:" + silent.getLocalPort(), "admin", "x", null, null,
                    Duration.ofSeconds(3)), 3, 3600);
            Lease l = leaseAndAwait(MachineState.FAILED);
            assertThat(l.state()).isEqualTo(LeaseState.FAILED);
            assertThat(l.message()).contains("TIMEOUT");
            assertThat(machine().failures()).isEqualTo(1);
            assertThat(machine().lease()).isNull();
        }
    }

    static void await(java.util.function.BooleanSupplier c, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + limit);
            }
            Thread.sleep(50);
        }
    }
}
