package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PacerTest {
    @Test
    void averageRateStaysUnderTheCap() {
        Pacer pacer = new Pacer(20_000_000L); // 20 MB/s
        AtomicInteger sleeps = new AtomicInteger();
        long start = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            pacer.pace(1500, sleeps::incrementAndGet); // 3 MB: at least 150 ms
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).isBetween(145L, 1000L);
        assertThat(sleeps.get()).isPositive(); // 75 us per packet: long enough to sleep, flushing first
    }

    @Test
    void idleTimeEarnsNoBurst() throws InterruptedException {
        Pacer pacer = new Pacer(10_000_000L);
        pacer.pace(1000, () -> { });
        Thread.sleep(100); // 1 MB of idle credit if it were kept
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            pacer.pace(1000, () -> { }); // 200 kB at 10 MB/s: 20 ms, minus at most 1 ms of credit
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(18L);
    }

    @Test
    void noCapNeverWaits() {
        Pacer pacer = new Pacer(0);
        long start = System.nanoTime();
        for (int i = 0; i < 100_000; i++) {
            pacer.pace(1500, () -> {
                throw new AssertionError("no sleep without a cap");
            });
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500L);
    }
}
