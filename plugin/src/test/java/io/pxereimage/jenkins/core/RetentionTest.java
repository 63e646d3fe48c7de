package io.pxereimage.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class RetentionTest {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void singleUseTakesOneTaskAndEndsWhenItIsDone() {
        Retention r = Retention.of(Template.of("t", "metal", "", null));
        assertThat(r.singleUse()).isTrue();
        assertThat(r.acceptsTask(0)).isTrue();
        assertThat(r.acceptsTask(1)).isFalse();
        assertThat(r.shouldTerminate(true, 1, T0, T0.plusSeconds(3600))).as("busy").isFalse();
        assertThat(r.shouldTerminate(false, 1, T0, T0)).as("done: at once").isTrue();
        assertThat(r.shouldTerminate(false, 0, T0, T0.plusSeconds(599))).as("waiting for its task").isFalse();
        assertThat(r.shouldTerminate(false, 0, T0, T0.plus(Retention.UNUSED))).as("never used").isTrue();
    }

    @Test
    void idleMinutesEndAnIdleNode() {
        Retention r = new Retention(15);
        assertThat(r.singleUse()).isFalse();
        assertThat(r.acceptsTask(7)).isTrue();
        assertThat(r.shouldTerminate(false, 3, T0, T0.plusSeconds(15 * 60 - 1))).isFalse();
        assertThat(r.shouldTerminate(false, 3, T0, T0.plusSeconds(15 * 60))).isTrue();
        assertThat(r.shouldTerminate(true, 3, T0, T0.plusSeconds(3600))).isFalse();
        assertThatThrownBy(() -> new Retention(-1)).hasMessageContaining("idleMinutes");
    }
}
