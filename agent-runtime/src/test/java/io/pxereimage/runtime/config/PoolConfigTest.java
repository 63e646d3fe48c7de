package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.pool.PoolMachine;
import io.pxereimage.runtime.pool.PoolSettings;

/** The {@code pool:} and {@code store:} sections and pool machines ({@code labels}, {@code bmc}, {@code disk}). */
class PoolConfigTest {
    @TempDir
    Path dir;

    String good() throws Exception {
        Path pw = dir.resolve("bmc-pw");
        Files.writeString(pw, "s3cret-pw\n");
        return """
                address: 10.99.0.1
                deploy: {kernel: deploy/vmlinuz}
                pool:
                  owner: site-a
                  cleanup: wipe
                  quarantineAfter: 2
                  maxLeasesPerClient: 4
                  timeouts: {netbooting: 120, booting-os: 60}
                store:
                  url: jdbc:postgresql://db.example/pxe
                  user: pxe
                  passwordFile: /etc/pxe-runtime/db-password
                machines:
                  - mac: 52:54:00:12:34:56
                    name: rack1-07
                    action: local
                    labels: [metal, x86-64]
                    disk: /dev/sda
                    bmc: {driver: ipmi, address: "10.0.0.7:623", user: admin, passwordFile: %s}
                  - mac: 52:54:00:12:34:57
                    name: not-pooled
                    action: local
                """.formatted(pw);
    }

    @Test
    void poolMachinesAndSettingsAreBound() throws Exception {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", good());
        PoolSettings s = c.pool().toSettings("host");
        assertThat(s.owner()).isEqualTo("site-a");
        assertThat(s.quarantineAfter()).isEqualTo(2);
        assertThat(s.timeout(MachineState.NETBOOTING).toSeconds()).isEqualTo(120);
        assertThat(s.timeout(MachineState.DEPLOYING).toSeconds()).isEqualTo(3600); // default kept
        assertThat(s.caps().maxPerClient()).isEqualTo(4);
        assertThat(c.store().url()).startsWith("jdbc:postgresql:");
        assertThat(c.machines().stream().filter(MachineEntry::pooled)).hasSize(1);
        PoolMachine m = c.machines().get(0).toPoolMachine();
        assertThat(m.labels()).containsExactlyInAnyOrder("metal", "x86-64");
        assertThat(m.disk()).isEqualTo("/dev/sda");
        assertThat(m.bmc().password()).isEqualTo("s3cret-pw");
        assertThat(m.bmc().toString()).doesNotContain("s3cret-pw");
        assertThat(c.machines().get(0).bmc().toString()).doesNotContain("s3cret-pw");
    }

    @Test
    void badValuesNameFileLineAndField() throws Exception {
        String g = good();
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("cleanup: wipe", "cleanup: burn")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("site.yaml:")
                .hasMessageContaining("pool.cleanup: must be wipe, reimage or off, not 'burn'");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("booting-os: 60", "booted: 60")))
                .hasMessageContaining("timeouts.booted: not a phase");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("driver: ipmi", "driver: snmp")))
                .hasMessageStartingWith("site.yaml:19:")
                .hasMessageContaining("driver: must be ipmi, redfish, wol or manual, not 'snmp'");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("[metal, x86-64]", "[\"big disk\"]")))
                .hasMessageContaining("labels: 'big disk' is not a label");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("/dev/sda", "sda")))
                .hasMessageContaining("disk: must be a device path");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("jdbc:postgresql://db.example/pxe",
                "jdbc:postgresql://db.example/pxe?password=x")))
                .hasMessageContaining("store.url: put the password in passwordFile");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("deploy: {kernel: deploy/vmlinuz}\n", "")))
                .hasMessageContaining("deploy: pool machines (with a bmc) need a deploy environment");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", g.replace("    name: rack1-07\n", "")))
                .hasMessageContaining("name: required for a pool machine");
    }
}
