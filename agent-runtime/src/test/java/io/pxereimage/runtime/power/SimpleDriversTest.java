package io.pxereimage.runtime.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.power.PowerException.Kind;

class SimpleDriversTest {
    @Test
    void wolSendsMagicPacket() throws Exception {
        try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            rx.setSoTimeout(2000);
            new WolDriver("52:54:00:12:34:5a", new InetSocketAddress("127.0.0.1", rx.getLocalPort())).on();
            DatagramPacket p = new DatagramPacket(new byte[200], 200);
            rx.receive(p);
            byte[] got = Arrays.copyOf(p.getData(), p.getLength());
            assertThat(got).hasSize(102);
            for (int i = 0; i < 6; i++) {
                assertThat(got[i]).isEqualTo((byte) 0xFF);
            }
            for (int i = 6; i < 102; i += 6) {
                assertThat(Arrays.copyOfRange(got, i, i + 6))
                        .containsExactly(0x52, 0x54, 0x00, 0x12, 0x34, 0x5a);
            }
        }
    }

    @Test
    void wolCannotPowerOff() {
        WolDriver d = new WolDriver("52-54-00-12-34-5a");
        assertThatThrownBy(d::off).isInstanceOfSatisfying(PowerException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED));
        assertThat(d.status()).isEqualTo(PowerDriver.State.UNKNOWN);
        assertThatThrownBy(() -> new WolDriver("52:54:00")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manualTellsAHuman() {
        List<String> said = new ArrayList<>();
        ManualDriver d = new ManualDriver("rack1-07", said::add);
        d.bootPxeOnce();
        d.on();
        assertThat(said).containsExactly("MANUAL: make rack1-07 boot from network (PXE) on its next boot",
                "MANUAL: power on rack1-07");
    }

    /** Fails with the given kinds in turn, then succeeds. */
    private static final class Flaky implements PowerDriver {
        final List<Kind> failures;
        int calls;

        Flaky(Kind... failures) {
            this.failures = new ArrayList<>(List.of(failures));
        }

        @Override
        public State status() throws PowerException {
            calls++;
            if (!failures.isEmpty()) {
                Kind k = failures.remove(0);
                throw new PowerException(k, "failure " + calls);
            }
            return State.ON;
        }

        @Override
        public void on() throws PowerException {
            status();
        }

        @Override
        public void off() {
        }

        @Override
        public void cycle() {
        }

        @Override
        public void bootPxeOnce() {
        }
    }

    @Test
    void retriesTransientFailuresWithExponentialBackoff() throws Exception {
        List<Duration> slept = new ArrayList<>();
        Flaky f = new Flaky(Kind.TIMEOUT, Kind.UNREACHABLE);
        assertThat(new Retrying(f, 3, Duration.ofMillis(100), slept::add).status()).isEqualTo(PowerDriver.State.ON);
        assertThat(f.calls).isEqualTo(3);
        assertThat(slept).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void givesUpAfterNAttemptsWithTheLastError() {
        List<Duration> slept = new ArrayList<>();
        Flaky f = new Flaky(Kind.TIMEOUT, Kind.TIMEOUT, Kind.UNREACHABLE, Kind.TIMEOUT);
        assertThatThrownBy(() -> new Retrying(f, 3, Duration.ofMillis(10), slept::add).on())
                .hasMessage("UNREACHABLE: failure 3");
        assertThat(f.calls).isEqualTo(3);
        assertThat(slept).hasSize(2);
    }

    @Test
    void neverRetriesAuth() {
        List<Duration> slept = new ArrayList<>();
        Flaky f = new Flaky(Kind.AUTH);
        assertThatThrownBy(() -> new Retrying(f, 5, Duration.ofMillis(10), slept::add).status())
                .isInstanceOfSatisfying(PowerException.class, e -> assertThat(e.kind()).isEqualTo(Kind.AUTH));
        assertThat(f.calls).isEqualTo(1);
        assertThat(slept).isEmpty();
    }
}
