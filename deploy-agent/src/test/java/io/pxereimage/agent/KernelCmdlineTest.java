package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelCmdlineTest {
    @TempDir
    Path tmp;

    @Test
    void readsRuntimeTokenAndMac() {
        KernelCmdline k = new KernelCmdline("initrd=initrd.img console=ttyS0 quiet pxe.runtime=http://10.231.60.1:8080 "
                + "pxe.token=abc123 pxe.mac=52:54:00:12:34:56\n");
        assertThat(k.get("pxe.runtime")).isEqualTo("http://10.231.60.1:8080");
        assertThat(k.get("pxe.token")).isEqualTo("abc123");
        assertThat(k.mac()).isEqualTo("52:54:00:12:34:56");
        assertThat(k.get("quiet")).isNull();
    }

    @Test
    void fallsBackToBootifAndNormalizesTheMac() {
        assertThat(new KernelCmdline("BOOTIF=01-52-54-00-AB-CD-EF").mac()).isEqualTo("52:54:00:ab:cd:ef");
        assertThat(new KernelCmdline("console=ttyS0").mac()).isNull();
    }

    @Test
    void mainConfiguresFromTheInjectedCmdlineAndRefusesWithoutToken() throws Exception {
        Path cmdline = tmp.resolve("cmdline");
        Files.writeString(cmdline, "pxe.runtime=http://127.0.0.1:9 pxe.token=t0k\n");
        AgentConfig c = Main.configure(new String[] {"--cmdline", cmdline.toString(), "--tool", "sfdisk=/opt/sfdisk",
                "--reboot-command", "echo reboot"});
        assertThat(c.runtime.toString()).isEqualTo("http://127.0.0.1:9/");
        assertThat(c.token).isEqualTo("t0k");
        assertThat(c.mac).isNull();
        assertThat(c.tools.sfdisk()).isEqualTo("/opt/sfdisk");
        assertThat(c.rebootCommand).containsExactly("echo", "reboot");
        Files.writeString(cmdline, "pxe.runtime=http://127.0.0.1:9\n");
        assertThatThrownBy(() -> Main.configure(new String[] {"--cmdline", cmdline.toString()}))
                .hasMessageContaining("pxe.token");
    }
}
