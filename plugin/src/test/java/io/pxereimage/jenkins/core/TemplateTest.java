package io.pxereimage.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TemplateTest {
    @Test
    void jenkinsLabelExpressionsAreMatchedAgainstTheTemplatesLabels() {
        Template t = Template.of("ci", "metal linux x86", "metal && x86", "debian12");
        assertThat(t.satisfies("metal")).isTrue();
        assertThat(t.satisfies("metal && linux")).isTrue();
        assertThat(t.satisfies("linux && !arm64")).isTrue();
        assertThat(t.satisfies("arm64 || x86")).isTrue();
        assertThat(t.satisfies("windows")).isFalse();
        assertThat(t.satisfies("metal && (windows || arm64)")).isFalse();
        assertThat(t.satisfies("metal &&")).as("unparseable").isFalse();
        assertThat(t.satisfies(null)).as("unlabelled work is not for labelled templates").isFalse();
        assertThat(Template.of("any", "", "", null).satisfies(null)).isTrue();
    }

    @Test
    void validation() {
        assertThatThrownBy(() -> Template.of("Bad Name", "", "", null)).hasMessageStartingWith("name:");
        assertThatThrownBy(() -> Template.of("t", "", "metal &&", null)).hasMessageStartingWith("machineLabels:");
        assertThatThrownBy(() -> Template.of("t", "", "", null).withNumExecutors(0))
                .hasMessageStartingWith("numExecutors:");
        assertThatThrownBy(() -> Template.of("t", "", "", null).withInstanceCap(-1))
                .hasMessageStartingWith("instanceCap:");
        Template t = Template.of("t", " metal  x86 ", null, " ");
        assertThat(t.labelSet()).containsExactly("metal", "x86");
        assertThat(t.image()).isNull();
        assertThat(t.remoteFS()).isEqualTo("/var/lib/jenkins-agent");
        assertThat(t.singleUse()).isTrue();
        assertThat(t.withIdleMinutes(30).singleUse()).isFalse();
    }
}
