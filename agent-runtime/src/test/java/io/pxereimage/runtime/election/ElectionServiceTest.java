package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.net.Ip4;

/**
 * Two services on loopback (127.0.0.0/8, directed broadcast 127.255.255.255, which Linux delivers to every socket
 * bound to the port): the real thread, socket, codec and metrics, without root.
 */
class ElectionServiceTest {
    static final byte[] KEY = "loopback-test-key-0123456789".getBytes(StandardCharsets.UTF_8);
    final int port = 30000 + ThreadLocalRandom.current().nextInt(20000);
    final SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    final SimpleMeterRegistry metersB = new SimpleMeterRegistry();
    ElectionService a;
    ElectionService b;

    ElectionService service(int host, int weight, SimpleMeterRegistry meters) {
        return new ElectionService(new ElectionSettings(Subnet.parse("127.0.0.0/8"), host,
                Ip4.parse("127.0.0." + host), weight, 300, 200, 10, port), KEY, () -> false, meters); // dead after 2 s
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void twoServicesElectOneAndTheOtherTakesOverAfterAGoodbye() throws Exception {
        a = service(1, 50, metersA);
        b = service(2, 10, metersB);
        a.start();
        b.start();
        assertThat(until(() -> a.answering() && b.role() == Role.STANDBY, 8000)).isTrue();
        assertThat(until(() -> b.status().responder() != null, 2000)).isTrue();
        assertThat(b.status().responder().address()).isEqualTo("127.0.0.1");
        assertThat(count(metersB, "accepted")).isPositive();
        assertThat(gauge(metersA, "responder")).isEqualTo(1.0);
        assertThat(gauge(metersB, "standby")).isEqualTo(1.0);

        try (DatagramSocket stranger = new DatagramSocket()) {
            stranger.setBroadcast(true);
            byte[] forged = new ElectionCodec("a-stranger-key-0123456789".getBytes(StandardCharsets.UTF_8))
                    .encode(new Announcement(Subnet.parse("127.0.0.0/8"), 9, Ip4.parse("127.0.0.9"), 65535,
                            Role.RESPONDER, false, 1, 0));
            stranger.send(new DatagramPacket(forged, forged.length, Ip4.parse("127.255.255.255"), port));
            stranger.send(new DatagramPacket(new byte[3], 3, Ip4.parse("127.255.255.255"), port));
        }
        assertThat(until(() -> count(metersB, "unauthenticated") == 1 && count(metersB, "malformed") == 1, 2000))
                .isTrue();

        long closed = System.nanoTime();
        a.close(); // says goodbye: b need not wait for 2 s of silence
        assertThat(until(b::answering, 4000)).isTrue();
        long took = (System.nanoTime() - closed) / 1_000_000;
        assertThat(took).as("wait 300 ms + a tick, not dead-after 2 s + wait").isLessThan(1500);
        assertThat(a.answering()).isFalse();
    }

    static double count(SimpleMeterRegistry m, String outcome) {
        var c = m.find("pxe_election_messages_total").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    static double gauge(SimpleMeterRegistry m, String role) {
        return m.find("pxe_election_role").tag("role", role).gauge().value();
    }

    static boolean until(BooleanSupplier check, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return check.getAsBoolean();
    }
}
