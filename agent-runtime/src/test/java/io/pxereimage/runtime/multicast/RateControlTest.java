package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;

class RateControlTest {
    private static final long CAP = 125_000_000L; // 1 Gbit/s
    private static final long FLOOR = 1 << 20;
    private static final int BLOCKS = 1024;

    private static RateControl control() {
        return new RateControl(CAP, FLOOR, 0.2, 0.3);
    }

    @Test
    void randomLossBelowTheThresholdKeepsTheCap() {
        RateControl rc = control();
        Random random = new Random(1);
        for (int slice = 0; slice < 500; slice++) {
            rc.sending(slice);
            for (int r = 0; r < 8; r++) {
                int lost = 0;
                for (int b = 0; b < BLOCKS; b++) {
                    lost += random.nextDouble() < 0.05 ? 1 : 0; // 5 % random loss on every receiver
                }
                rc.answer(r, slice, lost, BLOCKS, CAP);
            }
            rc.sliceDone(slice);
        }
        assertThat(rc.rate()).isEqualTo(CAP);
        assertThat(rc.decreases()).isZero();
        assertThat(rc.lossy()).isEmpty();
    }

    /** Every receiver's first answer (a clean slice 0): a first answer never counts as congestion. */
    private static RateControl warm(RateControl rc, int receivers) {
        rc.sending(0);
        for (int r = 0; r < receivers; r++) {
            rc.answer(r, 0, 0, BLOCKS, CAP);
        }
        rc.sliceDone(0);
        return rc;
    }

    @Test
    void aReceiversFirstAnswerIsNoCongestion() {
        RateControl rc = control();
        rc.sending(0);
        rc.answer(0, 0, BLOCKS, BLOCKS, CAP); // admitted late: missed all of slice 0
        assertThat(rc.rate()).isEqualTo(CAP);
        rc.sending(1);
        rc.answer(0, 1, 500, BLOCKS, CAP);
        assertThat(rc.decreases()).isEqualTo(1);
    }

    @Test
    void congestionDecreasesOncePerEvent() {
        RateControl rc = warm(control(), 3);
        rc.sending(1);
        rc.sending(2);
        rc.sending(3);
        // three receivers report heavy loss for slice 1, then for slices 2 and 3 (sent before the decrease)
        for (int r = 0; r < 3; r++) {
            rc.answer(r, 1, 400, BLOCKS, CAP);
        }
        assertThat(rc.rate()).isEqualTo((long) (CAP * RateControl.DECREASE));
        for (int r = 0; r < 3; r++) {
            rc.answer(r, 2, 400, BLOCKS, CAP);
            rc.answer(r, 3, 400, BLOCKS, CAP);
        }
        assertThat(rc.decreases()).isEqualTo(1);
        // slice 4 left after the decrease: its congestion is a new event
        rc.sending(4);
        rc.answer(0, 4, 400, BLOCKS, CAP);
        assertThat(rc.decreases()).isEqualTo(2);
        assertThat(rc.rate()).isEqualTo((long) ((long) (CAP * RateControl.DECREASE) * RateControl.DECREASE));
    }

    @Test
    void aCappedDecreaseStartsFromTheNominalRate() {
        RateControl rc = warm(control(), 1);
        rc.sending(1);
        rc.answer(0, 1, 500, BLOCKS, 20_000_000L); // measured over waits for a full window: not the base
        assertThat(rc.rate()).isEqualTo((long) (CAP * RateControl.DECREASE));
    }

    @Test
    void neverBelowTheFloor() {
        RateControl rc = control();
        for (int slice = 0; slice < 100; slice++) {
            rc.sending(slice);
            rc.answer(0, slice, BLOCKS, BLOCKS, rc.rate());
        }
        assertThat(rc.rate()).isEqualTo(FLOOR);
        assertThat(rc.lowest()).isEqualTo(FLOOR);
    }

    @Test
    void cleanSlicesRecoverAdditivelyUpToTheCap() {
        RateControl rc = warm(control(), 1);
        rc.sending(1);
        rc.sending(2);
        rc.answer(0, 1, 600, BLOCKS, CAP);
        long low = rc.rate();
        assertThat(low).isLessThan(CAP);
        rc.sliceDone(1); // the congested slice itself does not count
        assertThat(rc.rate()).isEqualTo(low);
        rc.answer(0, 2, 0, BLOCKS, CAP);
        rc.sliceDone(2); // sent before the decrease took effect: says nothing about the new rate
        assertThat(rc.rate()).isEqualTo(low);
        rc.sending(3);
        rc.answer(0, 3, 3, BLOCKS, CAP);
        rc.sliceDone(3);
        assertThat(rc.rate()).isEqualTo(low + CAP / 16);
        for (int slice = 4; slice < 40; slice++) {
            rc.sending(slice);
            rc.sliceDone(slice);
        }
        assertThat(rc.rate()).isEqualTo(CAP);
    }

    @Test
    void withoutACapUnpacedUntilCongestionThenFromTheMeasuredRate() {
        RateControl rc = new RateControl(0, FLOOR, 0.2, 0.3);
        warm(rc, 1);
        assertThat(rc.rate()).isZero(); // unpaced
        rc.sending(1);
        rc.answer(0, 1, 300, BLOCKS, 80_000_000L);
        assertThat(rc.rate()).isEqualTo(56_000_000L);
        rc.sending(2);
        rc.sliceDone(2);
        assertThat(rc.rate()).isEqualTo(56_000_000L + 56_000_000L / 16);
    }

    @Test
    void aLoneLossyReceiverIsNamedTheGroupIsNot() {
        RateControl rc = control();
        for (int slice = 0; slice < 20; slice++) {
            rc.sending(slice);
            rc.answer(0, slice, 10, BLOCKS, CAP); // 1 %
            rc.answer(1, slice, 12, BLOCKS, CAP);
            rc.answer(2, slice, 51, BLOCKS, CAP); // 5 %
            rc.answer(3, slice, 400, BLOCKS, CAP); // 39 %: congestion and far above the others
            rc.sliceDone(slice);
        }
        assertThat(rc.lossy()).containsExactly(3);
        // it lowered the rate only until it stood out (MIN_SAMPLES answers), then the rate recovered
        assertThat(rc.decreases()).isLessThan(RateControl.MIN_SAMPLES);
        assertThat(rc.rate()).isEqualTo(CAP);
        rc.forget(3);
        assertThat(rc.lossy()).isEmpty();
    }

    @Test
    void anOverloadedGroupSlowsDownInsteadOfEvicting() {
        RateControl rc = control();
        for (int slice = 0; slice < 6; slice++) {
            rc.sending(slice);
            for (int r = 0; r < 4; r++) {
                rc.answer(r, slice, 450 + r, BLOCKS, rc.rate()); // everyone loses ~44 %
            }
        }
        assertThat(rc.rate()).isLessThan(CAP / 2);
        assertThat(rc.lossy()).isEmpty(); // the others lose as much: slow down, do not evict
    }

    @Test
    void atTheFloorPersistentLossEvicts() {
        RateControl rc = control();
        for (int slice = 0; slice < 60; slice++) {
            rc.sending(slice);
            rc.answer(0, slice, 500, BLOCKS, rc.rate() == 0 ? CAP : rc.rate());
        }
        assertThat(rc.rate()).isEqualTo(FLOOR);
        assertThat(rc.lossy()).containsExactly(0);
    }

    @Test
    void floorAboveTheCapIsRejected() {
        assertThatThrownBy(() -> new RateControl(1000, 2000, 0.2, 0.3)).isInstanceOf(IllegalArgumentException.class);
    }
}
