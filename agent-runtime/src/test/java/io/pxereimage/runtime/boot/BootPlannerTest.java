package io.pxereimage.runtime.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.BootDecision.Boot;
import io.pxereimage.runtime.boot.BootDecision.Ignore;
import io.pxereimage.runtime.boot.BootDecision.Kind;
import io.pxereimage.runtime.net.MacAddress;

class BootPlannerTest {
    static final MacAddress KNOWN = MacAddress.parse("52:54:00:12:34:56");
    static final MacAddress STRANGER = MacAddress.parse("52:54:00:99:99:99");
    static final BootSpec SPEC = new BootSpec("vmlinuz", List.of("initrd.img"), "console=ttyS0");

    final MachineRegistry machines = new MachineRegistry(List.of(MachinePlan.boot(KNOWN, "m1", SPEC)), null);
    final BootPlanner planner = new BootPlanner(machines, Loaders.DEBIAN, 8080);

    static Inet4Address server() throws Exception {
        return (Inet4Address) InetAddress.getByName("10.99.0.1");
    }

    BootDecision decide(MacAddress mac, ClientArch arch, boolean http, boolean ipxe) throws Exception {
        return planner.decide(new BootRequest(mac, arch, http, ipxe, server()));
    }

    @Test
    void biosFirmwareGetsUndionlyOverTftp() throws Exception {
        assertThat(decide(KNOWN, ClientArch.BIOS, false, false)).isEqualTo(new Boot(Kind.TFTP, "undionly.kpxe"));
    }

    @Test
    void uefiX64AndEfiBcGetIpxeEfi() throws Exception {
        assertThat(decide(KNOWN, ClientArch.EFI_X64, false, false)).isEqualTo(new Boot(Kind.TFTP, "ipxe.efi"));
        assertThat(decide(KNOWN, ClientArch.EFI_BC, false, false)).isEqualTo(new Boot(Kind.TFTP, "ipxe.efi"));
    }

    @Test
    void arm64GetsItsOwnBuild() throws Exception {
        assertThat(decide(KNOWN, ClientArch.EFI_ARM64, false, false)).isEqualTo(new Boot(Kind.TFTP, "arm64/ipxe.efi"));
    }

    @Test
    void uefiHttpBootGetsAnHttpUrl() throws Exception {
        assertThat(decide(KNOWN, ClientArch.EFI_X64_HTTP, true, false))
                .isEqualTo(new Boot(Kind.HTTP_BOOT, "http://10.99.0.1:8080/loaders/ipxe.efi"));
    }

    @Test
    void ipxeGetsItsScriptWhateverTheArchitecture() throws Exception {
        Boot expected = new Boot(Kind.IPXE_SCRIPT, "http://10.99.0.1:8080/boot/52:54:00:12:34:56.ipxe");
        assertThat(decide(KNOWN, ClientArch.BIOS, false, true)).isEqualTo(expected);
        assertThat(decide(KNOWN, ClientArch.EFI_X64, false, true)).isEqualTo(expected);
    }

    @Test
    void unknownMacIsIgnoredUnlessADefaultIsConfigured() throws Exception {
        assertThat(decide(STRANGER, ClientArch.BIOS, false, false)).isInstanceOf(Ignore.class);
        machines.setDefaultSpec(SPEC);
        assertThat(decide(STRANGER, ClientArch.BIOS, false, false)).isEqualTo(new Boot(Kind.TFTP, "undionly.kpxe"));
    }

    @Test
    void localPlanIgnoresFirmwareButTellsIpxeToExit() throws Exception {
        machines.put(new MachinePlan(KNOWN, "m1", MachinePlan.Action.LOCAL, null));
        assertThat(decide(KNOWN, ClientArch.BIOS, false, false)).isInstanceOf(Ignore.class);
        assertThat(decide(KNOWN, ClientArch.BIOS, false, true)).isInstanceOf(Boot.class);
        assertThat(IpxeScripts.render(machines.get(KNOWN).orElseThrow(), "http://x")).contains("\nexit\n");
    }

    @Test
    void architectureWithoutALoaderIsIgnored() throws Exception {
        assertThat(decide(KNOWN, ClientArch.EFI_ARM32, false, false)).isInstanceOf(Ignore.class);
        assertThat(decide(KNOWN, new ClientArch(0x55), false, false)).isInstanceOf(Ignore.class);
    }

    @Test
    void scriptNamesInitrdsOnTheKernelLine() {
        String script = IpxeScripts.render(MachinePlan.boot(KNOWN, "m1", SPEC), "http://10.99.0.1:8080");
        assertThat(script).startsWith("#!ipxe\n")
                .contains("kernel http://10.99.0.1:8080/files/vmlinuz initrd=initrd0 console=ttyS0 || goto failed\n")
                .contains("initrd --name initrd0 http://10.99.0.1:8080/files/initrd.img || goto failed\n")
                .contains("boot || goto failed\n");
        assertThat(script.indexOf("kernel ")).isLessThan(script.indexOf("initrd --name"));
    }

    @Test
    void absoluteUrlsAreKept() {
        BootSpec remote = new BootSpec("https://images.example/k", List.of(), "");
        String script = IpxeScripts.render(MachinePlan.boot(KNOWN, null, remote), "http://x");
        assertThat(script).contains("kernel https://images.example/k || goto failed\n");
    }
}
