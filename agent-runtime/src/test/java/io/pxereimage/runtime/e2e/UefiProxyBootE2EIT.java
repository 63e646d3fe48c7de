package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A UEFI machine (OVMF with EDK2's own PXE client, no iPXE ROM) on a network whose addresses come from another DHCP
 * server (dnsmasq, plain: no boot options) boots from the runtime in {@code proxy} mode: proxy offer, port-4011
 * request/ACK with {@code ipxe.efi}, TFTP, then iPXE's DHCP, the HTTP script, kernel and initrd, up to /init.
 */
class UefiProxyBootE2EIT {
    static final String MAC = "52:54:00:42:00:02";

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe2-", "10.231.42");

    @Test
    void uefiMachineBootsThroughProxyDhcp4011TftpAndScript() throws Exception {
        LAB.plainDhcpInClientNamespace();
        String token = "e2e.token=" + UUID.randomUUID();
        RuntimeProcess runtime = LAB.runtime("runtime", "proxy", "console=ttyS0 " + token, MAC);

        // EDK2 gives up on PXE after ~68 s ("PXE-E16") and tries HTTP boot next: this test is about PXE, so stop there.
        LabFixture.BootResult boot = LAB.boot("uefi", "uefi", MAC, Duration.ofSeconds(120), LabFixture.MARKER,
                "PXE-E16");

        assertThat(boot.markerSeen()).as("marker in %s (exit %s, dead end %s)", boot.serialLog(), boot.exitCode(),
                boot.deadEnd()).isTrue();
        assertThat(boot.cmdline()).as("kernel command line printed by /init").contains(token);
        String mac = Pattern.quote(MAC);
        assertThat(runtime.lines("proxyDHCP DISCOVER " + mac + " arch=efi-x64 ipxe=false .*-> OFFER file=ipxe\\.efi"))
                .as("proxy offer to EDK2").isNotEmpty();
        // EDK2 asks the boot server on port 4011 after the proxy offer; the ACK names the NBP.
        assertThat(runtime.lines("PXE REQUEST " + mac + " .*-> ACK .*file=ipxe\\.efi")).as("4011 ACK").isNotEmpty();
        // The address comes from dnsmasq (SUBNET.100-199), never from us: TFTP goes to that address.
        assertThat(runtime.lines("TFTP sent ipxe\\.efi to " + Pattern.quote(LAB.subnet) + "\\.1\\d\\d:"))
                .as("TFTP transfer of ipxe.efi").isNotEmpty();
        assertThat(runtime.lines("HTTP script " + mac + " ")).hasSize(1);
        assertThat(runtime.lines("HTTP file /files/\\S*vmlinuz ")).as("kernel fetch").hasSize(1);
        assertThat(runtime.lines("HTTP file /files/\\S*initrd\\.img ")).as("initrd fetch").hasSize(1);
        assertThat(runtime.lines("-> (OFFER|ACK) " + Pattern.quote(LAB.subnet) + "\\."))
                .as("proxy mode never hands out addresses").isEmpty();
    }
}
