package io.pxereimage.runtime.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class AllowedCommandsTest {
    final AgentSettings settings = new AgentSettings(25, List.of("lsblk", "cat /proc/cmdline"));

    @Test
    void argv0OrWholePrefix() {
        assertThat(settings.refuse(List.of("lsblk", "-J"))).isEmpty();
        assertThat(settings.refuse(List.of("cat", "/proc/cmdline"))).isEmpty();
        assertThat(settings.refuse(List.of("cat", "/etc/shadow"))).hasValueSatisfying(
                r -> assertThat(r).contains("'cat' is not in agent.allowedCommands"));
        assertThat(settings.refuse(List.of("lsblkx"))).isPresent();
        assertThat(settings.refuse(List.of())).isPresent();
        assertThat(AgentSettings.defaults().refuse(List.of("lsblk"))).isPresent();
    }
}
