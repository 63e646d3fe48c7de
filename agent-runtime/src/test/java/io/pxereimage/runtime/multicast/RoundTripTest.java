package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RoundTripTest {
    private static final long MS = 1_000_000L;

    @Test
    void startsConservativeThenFollowsSamples() {
        RoundTrip rt = new RoundTrip(2 * MS, 1000 * MS);
        assertThat(rt.rto()).isEqualTo(100 * MS);
        rt.sample(10 * MS);
        assertThat(rt.srtt()).isEqualTo(10 * MS);
        assertThat(rt.rto()).isEqualTo(10 * MS + 4 * 5 * MS);
        for (int i = 0; i < 50; i++) {
            rt.sample(10 * MS);
        }
        assertThat(rt.rto()).isBetween(10 * MS, 11 * MS); // variance decays on a steady path
    }

    @Test
    void clampsToBounds() {
        RoundTrip rt = new RoundTrip(2 * MS, 1000 * MS);
        rt.sample(10_000L); // 10 us on a bridge
        assertThat(rt.rto()).isEqualTo(2 * MS);
        RoundTrip slow = new RoundTrip(2 * MS, 1000 * MS);
        slow.sample(5000 * MS);
        assertThat(slow.rto()).isEqualTo(1000 * MS);
    }

    @Test
    void ignoresNegativeSamples() {
        RoundTrip rt = new RoundTrip(2 * MS, 1000 * MS);
        rt.sample(-5);
        assertThat(rt.srtt()).isEqualTo(-1);
    }
}
