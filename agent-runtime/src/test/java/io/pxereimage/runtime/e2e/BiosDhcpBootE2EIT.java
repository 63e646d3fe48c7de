package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pxereimage.runtime.testing.PrometheusText;

/**
 * A BIOS machine (SeaBIOS + qemu's iPXE NIC ROM) boots from the runtime in {@code dhcp} mode, i.e. the runtime is
 * the only DHCP server: offer with the script URL, script, kernel and initrd over HTTP, up to the marker of /init.
 */
class BiosDhcpBootE2EIT {
    static final String MAC = "52:54:00:41:00:01";

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe1-", "10.231.41");

    @Test
    void biosMachineBootsToInitFromOurDhcpOfferAndScript() throws Exception {
        // A token on the kernel command line proves the kernel was started by *this* runtime's script.
        String token = "e2e.token=" + UUID.randomUUID();
        RuntimeProcess runtime = LAB.runtime("runtime", "dhcp", "console=ttyS0 " + token, MAC);

        LabFixture.BootResult boot = LAB.boot("bios", "bios", MAC, Duration.ofSeconds(120), LabFixture.MARKER);

        assertThat(boot.markerSeen()).as("marker in %s (exit %s, dead end %s)", boot.serialLog(), boot.exitCode(),
                boot.deadEnd()).isTrue();
        assertThat(boot.cmdline()).as("kernel command line printed by /init").contains(token);
        String mac = Pattern.quote(MAC);
        String offered = runtime.find("DHCP DISCOVER " + mac + " arch=bios .*-> OFFER (\\S+) file=http://"
                + Pattern.quote(LAB.ip(1)) + ":8080/boot/" + mac + "\\.ipxe").map(m -> m.group(1))
                .orElseThrow(() -> new AssertionError("no OFFER with the script URL for " + MAC + " in "
                        + runtime.log));
        assertThat(offered).startsWith(LAB.subnet + ".");
        assertThat(runtime.lines("DHCP REQUEST " + mac + " .*-> ACK " + Pattern.quote(offered))).isNotEmpty();
        assertThat(runtime.lines("HTTP script " + mac + " ")).hasSize(1);
        String to = " to " + Pattern.quote(offered) + ":";
        assertThat(runtime.lines("HTTP file /files/\\S*vmlinuz .*" + to)).as("kernel fetch").hasSize(1);
        assertThat(runtime.lines("HTTP file /files/\\S*initrd\\.img .*" + to)).as("initrd fetch").hasSize(1);

        // The same boot as Prometheus sees it: one BIOS boot that got its script, after one DISCOVER offer.
        PrometheusText metrics = LAB.scrape("http://" + LAB.ip(1) + ":8080");
        assertThat(metrics.sum("pxe_boots_total", Map.of("arch", "bios"))).as("BIOS boots").isEqualTo(1);
        assertThat(metrics.sum("pxe_boots_total")).as("boots of any firmware").isEqualTo(1);
        assertThat(metrics.sum("pxe_boot_phases_total", Map.of("phase", "script"))).isEqualTo(1);
        assertThat(metrics.sum("pxe_boot_phase_seconds_count", Map.of("phase", "script"))).isEqualTo(1);
        assertThat(metrics.sum("pxe_boot_phase_seconds_sum", Map.of("phase", "script"))).isPositive();
        assertThat(metrics.sum("pxe_dhcp_packets_total", Map.of("type", "DISCOVER", "outcome", "offer")))
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics.sum("pxe_http_requests_total", Map.of("route", "boot", "status", "200"))).isEqualTo(1);
        assertThat(metrics.sum("pxe_http_bytes_total")).as("kernel and initrd bytes").isGreaterThan(1 << 20);
    }
}
