package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The freestyle form's machine list: the same machines as the Pipeline step's list. */
class PxeReimageBuilderTest {
    @Test
    void machinesAreSeparatedBySpacesCommasOrLines() {
        assertThat(PxeReimageBuilder.split(", r1, r2\n52:54:00:12:34:56  r4 ,")).containsExactly("r1", "r2",
                "52:54:00:12:34:56", "r4");
        assertThat(PxeReimageBuilder.split("  ")).isEmpty();
        assertThat(PxeReimageBuilder.split(null)).isEmpty();
    }
}
