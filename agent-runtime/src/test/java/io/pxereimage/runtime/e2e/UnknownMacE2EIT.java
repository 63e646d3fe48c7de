package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime answers only machines it knows: a BIOS machine with another MAC broadcasts DISCOVERs (seen by the
 * runtime and on the wire) and gets nothing back, so iPXE gives up and SeaBIOS reports "No bootable device".
 */
class UnknownMacE2EIT {
    static final String KNOWN = "52:54:00:43:00:01";
    static final String UNKNOWN = "52:54:00:43:00:99";
    /** SeaBIOS after the NIC ROM gave up; ends the attempt early (~20 s) instead of waiting for a timeout. */
    static final String GAVE_UP = "No bootable device";

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe3-", "10.231.43");

    @Test
    void unknownMacGetsNoOfferAndDoesNotBoot() throws Exception {
        RuntimeProcess runtime = LAB.runtime("runtime", "dhcp", "console=ttyS0", KNOWN);

        LabFixture.BootResult boot = LAB.boot("unknown", "bios", UNKNOWN, Duration.ofSeconds(45), GAVE_UP);

        assertThat(boot.serial().contains(LabFixture.MARKER)).as("init marker in %s", boot.serialLog()).isFalse();
        assertThat(boot.markerSeen()).as("iPXE gave up (%s)", boot.serialLog()).isTrue();
        String mac = Pattern.quote(UNKNOWN);
        assertThat(runtime.lines("DHCP DISCOVER " + mac + " .*-> ignored \\(unknown MAC\\)")).isNotEmpty();
        assertThat(runtime.lines(mac + " .*-> (OFFER|ACK)")).isEmpty();
        assertThat(runtime.lines("-> (OFFER|ACK)")).as("nothing offered to anyone").isEmpty();

        // The wire, independent of what the runtime logs: DISCOVERs from the machine, nothing from port 67.
        assertThat(count(boot, "ether src " + UNKNOWN + " and udp dst port 67")).as("DISCOVERs captured")
                .isPositive();
        assertThat(count(boot, "udp src port 67")).as("packets from a DHCP server port").isZero();

        String metrics = runtime.metrics();
        assertThat(RuntimeProcess.counter(metrics, "pxe_dhcp_packets_total", "outcome=\"ignored\"")).isPositive();
        assertThat(RuntimeProcess.counter(metrics, "pxe_dhcp_packets_total", "outcome=\"offer\"")).isZero();
    }

    /** Packets in the boot's server-side capture matching a BPF filter (tcpdump -r). */
    private static long count(LabFixture.BootResult boot, String filter) throws Exception {
        java.nio.file.Path out = LAB.file(boot.name() + ".filter.txt");
        java.nio.file.Files.deleteIfExists(out);
        Procs.runOk(List.of("tcpdump", "-nn", "-r", boot.pcap().toString(), filter), java.util.Map.of(), out,
                Duration.ofSeconds(30));
        return Procs.read(out).lines().filter(l -> l.matches("^\\d\\d:\\d\\d:.*")).count();
    }
}
