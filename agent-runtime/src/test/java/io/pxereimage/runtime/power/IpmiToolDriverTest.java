package io.pxereimage.runtime.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.power.PowerDriver.State;
import io.pxereimage.runtime.power.PowerException.Kind;
import io.pxereimage.runtime.testing.IpmiSim;
import io.pxereimage.runtime.testing.Prerequisites;

/** ipmitool against a real ipmi_sim on 127.0.0.1 (no root needed: the simulator binds a high port). */
class IpmiToolDriverTest {
    @TempDir
    static Path dir;
    static IpmiSim sim;

    @BeforeAll
    static void start() throws Exception {
        Prerequisites.requireCommands("ipmitool", "ipmi_sim");
        sim = new IpmiSim(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void powerAndBootDeviceReachTheChassis() throws Exception {
        IpmiToolDriver d = sim.driver(IpmiSim.PASSWORD);
        sim.setPower(false);
        assertThat(d.status()).isEqualTo(State.OFF);
        d.on();
        assertThat(sim.file("power")).isEqualTo("1");
        assertThat(d.status()).isEqualTo(State.ON);
        d.bootPxeOnce();
        assertThat(sim.file("boot")).isEqualTo("pxe");
        d.off();
        assertThat(sim.file("power")).isEqualTo("0");
        assertThat(sim.file("calls.log")).contains("0x20 set power 1", "0x20 set boot pxe", "0x20 set power 0");
    }

    @Test
    void cycleTurnsOffThenOn() throws Exception {
        IpmiToolDriver d = sim.driver(IpmiSim.PASSWORD);
        sim.setPower(true);
        int before = sim.file("calls.log").length();
        d.cycle();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!sim.file("calls.log").substring(before).contains("set power 1") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        String calls = sim.file("calls.log").substring(before);
        assertThat(calls).contains("set power 0");
        assertThat(calls.indexOf("set power 1")).isGreaterThan(calls.indexOf("set power 0"));
    }

    @Test
    void wrongPasswordIsAuth() {
        assertThatThrownBy(() -> sim.driver("not-the-pw").status()).isInstanceOfSatisfying(PowerException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(Kind.AUTH);
                    assertThat(e.getMessage()).contains("authentication failed", "admin@127.0.0.1")
                            .doesNotContain("not-the-pw");
                });
    }

    @Test
    void unknownUserIsAuth() {
        IpmiToolDriver d = new IpmiToolDriver("ipmitool", "127.0.0.1", sim.port, "nobody", IpmiSim.PASSWORD,
                Duration.ofSeconds(15));
        assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.AUTH));
    }

    @Test
    void nobodyListeningGivesAQuickClearError() throws Exception {
        IpmiToolDriver d = new IpmiToolDriver("ipmitool", "127.0.0.1", IpmiSim.freeUdpPort(), "admin", "x",
                Duration.ofSeconds(15));
        long t0 = System.nanoTime();
        assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class, e -> {
            assertThat(e.kind()).isIn(Kind.UNREACHABLE, Kind.TIMEOUT);
            assertThat(e.getMessage()).contains("did not answer");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void unknownHostIsUnreachable() {
        IpmiToolDriver d = new IpmiToolDriver("ipmitool", "bmc.invalid", 623, "admin", "x", Duration.ofSeconds(15));
        assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE));
    }

    @Test
    void silentBmcTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> {
                byte[] b = new byte[512];
                try {
                    while (true) {
                        silent.receive(new DatagramPacket(b, b.length)); // receive, never answer
                    }
                } catch (Exception e) {
                    // socket closed
                }
            });
            sink.setDaemon(true);
            sink.start();
            IpmiToolDriver d = new IpmiToolDriver("ipmitool", "127.0.0.1", silent.getLocalPort(), "admin", "x",
                    Duration.ofSeconds(15));
            assertThatThrownBy(d::on).isInstanceOfSatisfying(PowerException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT));
        }
    }

    @Test
    void perCallTimeoutKillsIpmitool() throws Exception {
        // 300 ms is shorter than ipmitool's own 1 s retry against a silent peer: our timer must fire first
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            IpmiToolDriver d = new IpmiToolDriver("ipmitool", "127.0.0.1", silent.getLocalPort(), "admin", "x",
                    Duration.ofMillis(300));
            assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class, e -> {
                assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
                assertThat(e.getMessage()).contains("no result within 300 ms");
            });
        }
    }
}
