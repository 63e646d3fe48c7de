package io.pxereimage.agent.multicast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ImageLayoutTest {
    private static ImageLayout.Range r(long s, long e) {
        return new ImageLayout.Range(s, e);
    }

    @Test
    void wholeImageNeedsEveryByte() {
        ImageLayout l = ImageLayout.mapped(1000, List.of());
        assertThat(l.isWhole()).isTrue();
        assertThat(l.neededBytes()).isEqualTo(1000);
        assertThat(l.clip(900, 1100)).containsExactly(r(900, 1000));
        BlockBitmap b = new BlockBitmap(1000, 300);
        l.markUnneeded(b);
        assertThat(b.count()).isZero();
    }

    @Test
    void blocksAreClippedToTheMappedRanges() {
        // block map: 100..250 and 700..1000 of a 1000-byte image; blocks of 200 bytes
        ImageLayout l = ImageLayout.mapped(1000, List.of(r(100, 250), r(700, 1000)));
        assertThat(l.neededBytes()).isEqualTo(450);
        assertThat(l.clip(0, 200)).containsExactly(r(100, 200));
        assertThat(l.clip(200, 400)).containsExactly(r(200, 250));
        assertThat(l.clip(400, 600)).isEmpty();
        assertThat(l.clip(600, 800)).containsExactly(r(700, 800));
        assertThat(l.clip(0, 1000)).containsExactly(r(100, 250), r(700, 1000));
        assertThat(l.clip(250, 700)).as("range ends are exclusive").isEmpty();
        assertThat(l.mappedBytes(150, 750)).isEqualTo(100 + 50);

        BlockBitmap b = new BlockBitmap(1000, 200);
        l.markUnneeded(b);
        assertThat(b.has(2)).as("block 400..600 holds no mapped byte").isTrue();
        assertThat(b.count()).isEqualTo(1);
        assertThat(l.presentBytes(b)).isZero();
        b.set(0);
        b.set(4);
        assertThat(l.presentBytes(b)).isEqualTo(100 + 200);
        // what the HTTP fill fetches: the mapped bytes of the missing blocks 1 and 3
        List<int[]> runs = ImageLayout.missingRuns(b, 100);
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0)).containsExactly(1, 2);
        assertThat(runs.get(1)).containsExactly(3, 4);
        assertThat(l.clip(b.start(1), b.end(1))).containsExactly(r(200, 250));
        assertThat(l.clip(b.start(3), b.end(3))).containsExactly(r(700, 800));
    }

    @Test
    void missingRunsAreCappedInLength() {
        BlockBitmap b = new BlockBitmap(10_000, 100);
        b.set(50);
        List<int[]> runs = ImageLayout.missingRuns(b, 20);
        assertThat(runs).extracting(x -> x[0] + "-" + x[1]).containsExactly("0-20", "20-40", "40-50", "51-71",
                "71-91", "91-100");
    }

    @Test
    void overlappingOrOutsideRangesAreRefused() {
        assertThatThrownBy(() -> ImageLayout.mapped(1000, List.of(r(0, 200), r(100, 300))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageLayout.mapped(1000, List.of(r(900, 1001))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
