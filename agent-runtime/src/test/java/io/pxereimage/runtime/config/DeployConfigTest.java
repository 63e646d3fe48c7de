package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.MachinePlan;

/** The {@code deploy:} and {@code agent:} sections, and {@code action: deploy} machines. */
class DeployConfigTest {
    static final String GOOD = """
            address: 10.99.0.1
            deploy:
              kernel: deploy/vmlinuz
              initrds: [deploy/initrd.img]
              cmdline: quiet
            agent:
              pollSeconds: 20
              allowedCommands: [lsblk, "cat /proc/cmdline"]
            machines:
              - mac: 52:54:00:12:34:56
                name: rack1-07
                action: deploy
            """;

    @Test
    void sectionsAreBoundWithDefaults() {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", GOOD);
        assertThat(c.deploy().toSpec().kernel()).isEqualTo("deploy/vmlinuz");
        assertThat(c.deploy().toSpec().initrds()).containsExactly("deploy/initrd.img");
        assertThat(c.agent().toSettings().pollSeconds()).isEqualTo(20);
        assertThat(c.agent().toSettings().allowedCommands()).containsExactly("lsblk", "cat /proc/cmdline");
        assertThat(c.machines().get(0).toPlan().action()).isEqualTo(MachinePlan.Action.DEPLOY);

        RuntimeConfig bare = ConfigLoader.parse("t.yaml", "address: 10.99.0.1\n");
        assertThat(bare.deploy()).isNull();
        assertThat(bare.agent().pollSeconds()).isEqualTo(25);
        assertThat(bare.agent().allowedCommands()).isEqualTo(List.of());
    }

    @Test
    void deployWithoutKernelNamesFileLineAndField() {
        String yaml = "address: 10.99.0.1\ndeploy:\n  initrds: [a]\n";
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("site.yaml:2:")
                .hasMessageContaining("deploy.kernel: required");
    }

    @Test
    void badAgentValuesAreRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", GOOD.replace("pollSeconds: 20", "pollSeconds: 0")))
                .hasMessageStartingWith("site.yaml:7:")
                .hasMessageContaining("agent.pollSeconds: 0 is outside 1..60");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", GOOD.replace("[lsblk,", "[\"\",")))
                .hasMessageContaining("agent.allowedCommands: entries must not be empty");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", GOOD.replace("deploy/vmlinuz", "\"a b\"")))
                .hasMessageStartingWith("site.yaml:3:")
                .hasMessageContaining("deploy.kernel: a path or URL without spaces");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", GOOD.replace("action: deploy", "action: nuke")))
                .hasMessageContaining("action: must be boot, local or deploy");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", GOOD.replace("pollSeconds", "pollSecs")))
                .hasMessageStartingWith("site.yaml:7:")
                .hasMessageContaining("unknown field 'pollSecs'");
    }
}
