package io.pxereimage.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.config.RuntimeConfig;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.Prerequisites;

/** {@code serve} wiring: deploy services over the data dir, runtime plan changes applied over the config file. */
class PxeRuntimeDeployTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @Test
    void configMachinesThenStoredPlanChanges(@TempDir Path dir) throws Exception {
        Prerequisites.requireFiles("/usr/lib/ipxe/undionly.kpxe");
        String yaml = """
                address: 10.99.0.1
                dataDir: %s
                dhcp: {mode: off}
                tftp: {port: 0}
                deploy: {kernel: deploy/vmlinuz}
                machines:
                  - {mac: 52:54:00:12:34:56, name: m1, kernel: vmlinuz}
                  - {mac: 52:54:00:12:34:57, name: m2, action: deploy}
                """.formatted(dir);
        RuntimeConfig c = ConfigLoader.parse("t.yaml", yaml);
        try (PxeRuntime first = PxeRuntime.fromConfig(c, "t.yaml")) {
            assertThat(first.deploy()).isNotNull();
            assertThat(first.machines().get(MAC).orElseThrow().action()).isEqualTo(MachinePlan.Action.BOOT);
            first.machines().put(first.machines().get(MAC).orElseThrow().withAction(MachinePlan.Action.LOCAL));
        }
        assertThat(Files.readString(dir.resolve("plans.json"))).contains("\"action\" : \"local\"");
        try (PxeRuntime second = PxeRuntime.fromConfig(c, "t.yaml")) {
            assertThat(second.machines().get(MAC).orElseThrow().action()).isEqualTo(MachinePlan.Action.LOCAL);
            assertThat(second.machines().find("m2").orElseThrow().action()).isEqualTo(MachinePlan.Action.DEPLOY);
        }
    }
}
