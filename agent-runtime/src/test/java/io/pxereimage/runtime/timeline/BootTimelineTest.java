package io.pxereimage.runtime.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.MutableClock;
import io.pxereimage.runtime.testing.PrometheusText;
import io.pxereimage.runtime.timeline.BootTimeline.Phase;

class BootTimelineTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    static final MacAddress OTHER = MacAddress.parse("52:54:00:12:34:57");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final BootTimeline boots = new BootTimeline(meters, clock);

    void later(int seconds) {
        clock.advance(Duration.ofSeconds(seconds));
    }

    PrometheusText scrape() {
        return PrometheusText.parse(meters.scrape());
    }

    @Test
    void aDeployBootIsOneBootThroughEveryPhaseWithItsDurationsFromTheFirstOffer() {
        boots.offered(MAC, "bios"); // firmware PXE
        later(2);
        boots.offered(MAC, "bios"); // iPXE's own DHCP: same boot
        later(1);
        boots.reached(MAC, Phase.SCRIPT);
        later(20);
        boots.reached(MAC, Phase.AGENT);
        boots.reached(MAC, Phase.AGENT); // counted once per boot
        later(60);
        boots.reached(MAC, Phase.IMAGED);

        BootTimeline.Boot b = boots.latest(MAC).orElseThrow();
        assertThat(b.arch()).isEqualTo("bios");
        assertThat(b.at(Phase.SCRIPT)).contains(Duration.ofSeconds(3));
        assertThat(b.at(Phase.AGENT)).contains(Duration.ofSeconds(23));
        assertThat(b.at(Phase.IMAGED)).contains(Duration.ofSeconds(83));
        assertThat(b.at(Phase.READY)).isEmpty();

        PrometheusText m = scrape();
        assertThat(m.sum("pxe_boots_total", Map.of("arch", "bios"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "offered"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "agent"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "ready"))).isZero();
        assertThat(m.sum("pxe_boot_phase_seconds_count", Map.of("phase", "imaged"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phase_seconds_sum", Map.of("phase", "imaged"))).isEqualTo(83);
        assertThat(m.has("pxe_boot_phase_seconds_bucket", Map.of("phase", "script", "le", "+Inf"))).isTrue();
    }

    @Test
    void anOfferAfterTheScriptIsANewBootAndPhasesWithoutABootAreIgnored() {
        boots.reached(OTHER, Phase.AGENT); // never offered: not a boot we saw
        boots.offered(MAC, "efi_x64");
        boots.reached(MAC, Phase.SCRIPT);
        later(90);
        boots.offered(MAC, "efi_x64"); // the machine rebooted (e.g. into its installed OS via local)
        later(1);
        boots.reached(MAC, Phase.SCRIPT);

        assertThat(boots.latest(MAC).orElseThrow().at(Phase.SCRIPT)).contains(Duration.ofSeconds(1));
        assertThat(boots.latest(OTHER)).isEmpty();
        PrometheusText m = scrape();
        assertThat(m.sum("pxe_boots_total", Map.of("arch", "efi_x64"))).isEqualTo(2);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "script"))).isEqualTo(2);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "agent"))).isZero();
    }

    @Test
    void aBootThatNeverGotItsScriptEndsAfterTwoHours() {
        boots.offered(MAC, "bios");
        later((int) BootTimeline.STALE.toSeconds() + 1);
        boots.offered(MAC, "bios");
        assertThat(scrape().sum("pxe_boots_total")).isEqualTo(2);
    }
}
