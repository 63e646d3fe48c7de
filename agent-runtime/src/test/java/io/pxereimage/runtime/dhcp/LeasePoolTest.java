package io.pxereimage.runtime.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.dhcp.LeasePool.Result;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.MutableClock;

class LeasePoolTest {
    static final Inet4Address SERVER = Ip4.parse("10.0.0.1");
    static final MacAddress A = MacAddress.parse("52:54:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("52:54:00:00:00:0b");
    static final MacAddress C = MacAddress.parse("52:54:00:00:00:0c");

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    LeasePool pool(String start, String end) {
        return new LeasePool(LeasePool.Config.of(Ip4.parse(start), Ip4.parse(end), SERVER, Duration.ofMinutes(10)),
                clock, LeaseStore.NONE);
    }

    static Lease ack(Result r) {
        assertThat(r).isInstanceOf(Result.Ack.class);
        return ((Result.Ack) r).lease();
    }

    @Test
    void offersSkipTheServerAndHoldTheAddressForTheClient() {
        LeasePool p = pool("10.0.0.1", "10.0.0.3");
        Lease a = p.offer(A, null).orElseThrow();
        assertThat(a.address()).isEqualTo(Ip4.parse("10.0.0.2"));
        assertThat(a.state()).isEqualTo(Lease.State.OFFERED);
        assertThat(p.offer(A, null)).contains(p.lease(A).orElseThrow()); // same offer again
        assertThat(p.offer(B, null).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.3"));
        assertThat(p.offer(C, null)).isEmpty(); // exhausted: .1 is the server
    }

    @Test
    void heldOffersAreReclaimed() {
        LeasePool p = pool("10.0.0.2", "10.0.0.2");
        p.offer(A, null).orElseThrow();
        assertThat(p.offer(B, null)).isEmpty();
        clock.advance(Duration.ofSeconds(31));
        assertThat(p.offer(B, null).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.2"));
    }

    @Test
    void offerPrefersTheRequestedThenThePreviousAddress() {
        LeasePool p = pool("10.0.0.10", "10.0.0.20");
        assertThat(p.offer(A, Ip4.parse("10.0.0.15")).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.15"));
        ack(p.request(A, Ip4.parse("10.0.0.15")));
        assertThat(p.release(A, Ip4.parse("10.0.0.15"))).isTrue();
        p.offer(B, null); // takes another address, not A's previous one
        assertThat(p.offer(A, null).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.15"));
        // an out-of-range request is ignored
        assertThat(p.offer(C, Ip4.parse("192.168.1.1")).orElseThrow().address()).isNotEqualTo(Ip4.parse("192.168.1.1"));
    }

    @Test
    void leasesExpireAndRenewalsExtendThem() {
        LeasePool p = pool("10.0.0.10", "10.0.0.20");
        Inet4Address addr = p.offer(A, null).orElseThrow().address();
        Lease bound = ack(p.request(A, addr));
        assertThat(bound.state()).isEqualTo(Lease.State.BOUND);
        assertThat(bound.expires()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
        assertThat(p.activeLeases()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        Lease renewed = ack(p.request(A, addr)); // RENEWING: ciaddr
        assertThat(renewed.expires()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
        clock.advance(Duration.ofMinutes(11));
        assertThat(p.activeLeases()).isZero();
        assertThat(p.lease(A)).isEmpty();
        // expired: someone else may take it now
        assertThat(ack(p.request(B, addr)).mac()).isEqualTo(B);
    }

    @Test
    void requestForAnotherClientsAddressOrOutOfRangeIsNaked() {
        LeasePool p = pool("10.0.0.10", "10.0.0.20");
        Inet4Address addr = p.offer(A, null).orElseThrow().address();
        ack(p.request(A, addr));
        assertThat(p.request(B, addr)).isInstanceOf(Result.Nak.class);
        assertThat(p.request(B, Ip4.parse("10.9.9.9"))).isInstanceOf(Result.Nak.class);
        assertThat(p.request(B, SERVER)).isInstanceOf(Result.Nak.class);
        // a free address in range is acknowledged (INIT-REBOOT after a server restart)
        assertThat(ack(p.request(C, Ip4.parse("10.0.0.19"))).address()).isEqualTo(Ip4.parse("10.0.0.19"));
    }

    @Test
    void movingToAnotherAddressFreesTheOldOne() {
        LeasePool p = pool("10.0.0.10", "10.0.0.11");
        ack(p.request(A, Ip4.parse("10.0.0.10")));
        ack(p.request(A, Ip4.parse("10.0.0.11")));
        assertThat(p.boundLeases()).extracting(Lease::address).containsExactly(Ip4.parse("10.0.0.11"));
        assertThat(ack(p.request(B, Ip4.parse("10.0.0.10"))).mac()).isEqualTo(B);
    }

    @Test
    void declinedAddressesStayOutOfUseForAWhile() {
        LeasePool p = pool("10.0.0.10", "10.0.0.10");
        Inet4Address addr = p.offer(A, null).orElseThrow().address();
        ack(p.request(A, addr));
        assertThat(p.decline(B, addr)).isFalse(); // not B's
        assertThat(p.decline(A, addr)).isTrue();
        assertThat(p.offer(A, null)).isEmpty();
        assertThat(p.request(B, addr)).isInstanceOf(Result.Nak.class);
        clock.advance(Duration.ofMinutes(11));
        assertThat(p.offer(B, null).orElseThrow().address()).isEqualTo(addr);
    }

    @Test
    void releaseFreesTheAddress() {
        LeasePool p = pool("10.0.0.10", "10.0.0.10");
        Inet4Address addr = ack(p.request(A, Ip4.parse("10.0.0.10"))).address();
        assertThat(p.release(B, addr)).isFalse();
        assertThat(p.release(A, addr)).isTrue();
        assertThat(p.activeLeases()).isZero();
        assertThat(p.offer(B, null).orElseThrow().address()).isEqualTo(addr);
    }

    @Test
    void reservationsGoOnlyToTheirOwner() {
        LeasePool p = new LeasePool(new LeasePool.Config(Ip4.parse("10.0.0.10"), Ip4.parse("10.0.0.11"), SERVER,
                Map.of(A, Ip4.parse("10.0.0.10")), Duration.ofMinutes(10), null, null), clock, LeaseStore.NONE);
        assertThat(p.offer(B, Ip4.parse("10.0.0.10")).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.11"));
        assertThat(p.request(B, Ip4.parse("10.0.0.10"))).isInstanceOf(Result.Nak.class);
        assertThat(p.offer(A, null).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.10"));
        assertThat(p.request(A, Ip4.parse("10.0.0.11"))).isInstanceOf(Result.Nak.class);
    }

    @Test
    void leasesSurviveARestart(@TempDir Path dir) throws Exception {
        Inet4Address a;
        Inet4Address b;
        LeasePool.Config cfg = LeasePool.Config.of(Ip4.parse("10.0.0.10"), Ip4.parse("10.0.0.20"), SERVER,
                Duration.ofMinutes(10));
        try (LeasePool p = new LeasePool(cfg, clock, new LeaseJournal(dir, clock))) {
            a = ack(p.request(A, p.offer(A, null).orElseThrow().address())).address();
            b = ack(p.request(B, p.offer(B, null).orElseThrow().address())).address();
            Inet4Address c = ack(p.request(C, p.offer(C, null).orElseThrow().address())).address();
            p.release(C, c);
            ack(p.request(A, a)); // a renewal: a second line for A
        }
        assertThat(Files.readAllLines(dir.resolve(LeaseJournal.FILE_NAME))).hasSize(5);
        clock.advance(Duration.ofMinutes(1));
        try (LeasePool p = new LeasePool(cfg, clock, new LeaseJournal(dir, clock))) {
            assertThat(p.lease(A).orElseThrow().address()).isEqualTo(a);
            assertThat(p.lease(B).orElseThrow().address()).isEqualTo(b);
            assertThat(p.lease(C)).isEmpty();
            assertThat(p.request(C, a)).isInstanceOf(Result.Nak.class);
        }
        // compacted at start: only the two live leases
        assertThat(Files.readAllLines(dir.resolve(LeaseJournal.FILE_NAME))).hasSize(2);
        clock.advance(Duration.ofMinutes(20));
        try (LeasePool p = new LeasePool(cfg, clock, new LeaseJournal(dir, clock))) {
            assertThat(p.activeLeases()).isZero(); // expired while down
        }
    }

    @Test
    void aTornLastLineIsSkipped(@TempDir Path dir) throws Exception {
        long exp = clock.instant().plusSeconds(600).toEpochMilli();
        Files.writeString(dir.resolve(LeaseJournal.FILE_NAME), "bind " + A + " 10.0.0.12 " + exp + "\nbind 52:54:0");
        LeasePool.Config cfg = LeasePool.Config.of(Ip4.parse("10.0.0.10"), Ip4.parse("10.0.0.20"), SERVER,
                Duration.ofMinutes(10));
        try (LeasePool p = new LeasePool(cfg, clock, new LeaseJournal(dir, clock))) {
            assertThat(p.lease(A).orElseThrow().address()).isEqualTo(Ip4.parse("10.0.0.12"));
        }
    }

    @Test
    void concurrentClientsNeverShareAnAddress() throws Exception {
        LeasePool p = new LeasePool(LeasePool.Config.of(Ip4.parse("10.1.0.1"), Ip4.parse("10.1.15.255"), SERVER,
                Duration.ofMinutes(10)), java.time.Clock.systemUTC(), LeaseStore.NONE);
        ExecutorService ex = Executors.newFixedThreadPool(4);
        List<Future<List<Inet4Address>>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < 4; t++) {
            int base = t * 1000;
            futures.add(ex.submit(() -> {
                List<Inet4Address> got = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    MacAddress mac = new MacAddress(0x525400000000L + base + i);
                    Inet4Address addr = p.offer(mac, null).orElseThrow().address();
                    got.add(ack(p.request(mac, addr)).address());
                }
                return got;
            }));
        }
        Set<Inet4Address> all = new HashSet<>();
        for (Future<List<Inet4Address>> f : futures) {
            all.addAll(f.get(30, TimeUnit.SECONDS));
        }
        long micros = (System.nanoTime() - t0) / 1000;
        ex.shutdown();
        assertThat(all).hasSize(4000);
        assertThat(p.activeLeases()).isEqualTo(4000);
        assertThat(micros).as("4000 offer+request pairs took %d us", micros).isLessThan(5_000_000);
    }
}
