package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.net.MacAddress;

class ConfigLoaderTest {

    static final String GOOD = """
            address: 10.99.0.1
            dataDir: /tmp/pxe
            dhcp:
              mode: dhcp
              rangeStart: 10.99.0.100
              rangeEnd: 10.99.0.200
              subnetMask: 255.255.255.0
            http:
              port: 8081
              apiToken: 0123456789abcdef0123
            machines:
              - mac: 52:54:00:12:34:56
                name: rack1-07
                kernel: vmlinuz
                initrds: [initrd.img]
                cmdline: console=ttyS0
              - mac: 52-54-00-AA-BB-CC
                action: local
            """;

    @Test
    void readsAFullFileWithDefaults() {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", GOOD);
        assertThat(c.dhcp().modeValue()).isEqualTo(DhcpSection.Mode.DHCP);
        assertThat(c.dhcp().serverPort()).isEqualTo(67);
        assertThat(c.dhcp().proxyPort()).isEqualTo(4011);
        assertThat(c.tftp().port()).isEqualTo(69);
        assertThat(c.tftp().root()).isEqualTo("/usr/lib/ipxe");
        assertThat(c.http().port()).isEqualTo(8081);
        assertThat(c.boot().answerUnknown()).isFalse();
        assertThat(c.machines()).hasSize(2);
        MachinePlan first = c.machines().get(0).toPlan();
        assertThat(first.mac()).isEqualTo(MacAddress.parse("52:54:00:12:34:56"));
        assertThat(first.spec().initrds()).containsExactly("initrd.img");
        assertThat(c.machines().get(1).toPlan().action()).isEqualTo(MachinePlan.Action.LOCAL);
    }

    @Test
    void tokenNeverPrinted() {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", GOOD);
        assertThat(c.toString()).doesNotContain("0123456789abcdef0123");
    }

    @Test
    void badMacNamesFileLineFieldAndReason() {
        String yaml = GOOD.replace("52-54-00-AA-BB-CC", "52-54-00-AA-BB");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("site.yaml:17:")
                .hasMessageContaining("machines[1].mac")
                .hasMessageContaining("not a MAC address: '52-54-00-AA-BB'");
    }

    @Test
    void unknownFieldIsRefusedWithItsName() {
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", "address: 10.0.0.1\ndhcpp: {}\n"))
                .hasMessageStartingWith("site.yaml:2:")
                .hasMessageContaining("unknown field 'dhcpp'");
    }

    @Test
    void badModeAndBadAddress() {
        assertThatThrownBy(() -> ConfigLoader.parse("a.yaml", "address: 10.0.0.1\ndhcp:\n  mode: full\n"))
                .hasMessageContaining("dhcp")
                .hasMessageContaining("mode: must be proxy, dhcp or off, not 'full'");
        assertThatThrownBy(() -> ConfigLoader.parse("a.yaml", "address: 10.0.0.300\n"))
                .hasMessageStartingWith("a.yaml:1:")
                .hasMessageContaining("address: not an IPv4 address: '10.0.0.300'");
    }

    @Test
    void bootMachineWithoutKernelAndDuplicateMacs() {
        assertThatThrownBy(() -> ConfigLoader.parse("a.yaml",
                "address: 10.0.0.1\nmachines:\n  - mac: 52:54:00:00:00:01\n"))
                .hasMessageContaining("machines[0]")
                .hasMessageContaining("kernel: required when action is boot");
        assertThatThrownBy(() -> ConfigLoader.parse("a.yaml", """
                address: 10.0.0.1
                machines:
                  - {mac: 52:54:00:00:00:01, action: local}
                  - {mac: 52:54:00:00:00:01, action: local}
                """)).hasMessageContaining("machines: 52:54:00:00:00:01 appears twice");
    }

    @Test
    void missingFileAndBrokenYaml(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"))).hasMessageEndingWith("nope.yaml: no such file");
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "address: [10.0.0.1\n  dhcp: {\n");
        assertThatThrownBy(() -> ConfigLoader.load(broken)).hasMessageContaining("broken.yaml:")
                .hasMessageContaining("address");
    }
}
