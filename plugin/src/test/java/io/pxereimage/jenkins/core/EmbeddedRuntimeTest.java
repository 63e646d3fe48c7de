package io.pxereimage.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.config.RuntimeConfig;

class EmbeddedRuntimeTest {
    @TempDir
    Path dir;

    @Test
    void tokenIsGeneratedOnceWithMode0600AndTheDataLivesUnderHome() throws Exception {
        String first;
        try (Lab lab = Lab.start(dir, 1, null)) {
            Path data = dir.resolve("home/pxe-reimage");
            assertThat(lab.runtime.dataDir()).isEqualTo(data);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
            Path token = data.resolve("api-token");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
            first = lab.runtime.token();
            assertThat(first).hasSizeGreaterThanOrEqualTo(40).isEqualTo(Files.readString(token).strip());
            assertThat(lab.runtime.url().toString()).startsWith("http://127.0.0.1:");
            assertThat(lab.client.machines()).hasSize(1); // the token works
            assertThat(Files.list(data).map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".mv.db"));
            assertThat(lab.runtime.toString()).doesNotContain(first);
        }
        // A restart (of Jenkins) keeps the token and the pool's store.
        try (Lab lab = Lab.start(dir, 1, null)) {
            assertThat(lab.runtime.token()).isEqualTo(first);
            assertThat(lab.client.machines()).hasSize(1);
        }
    }

    @Test
    void tokenFileWithLooserModeIsTightened() throws Exception {
        Path file = dir.resolve("api-token");
        Files.writeString(file, "a-token-set-by-the-admin-0123\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(EmbeddedRuntime.tokenIn(file)).isEqualTo("a-token-set-by-the-admin-0123");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Files.writeString(file, "short");
        assertThatThrownBy(() -> EmbeddedRuntime.tokenIn(file)).hasMessageContaining("at least 16 characters");
    }

    @Test
    void settingsOverrideThePortsAndThePluginOwnsDataDirAndToken() {
        EmbeddedRuntime.Settings lab = new EmbeddedRuntime.Settings("10.0.0.1", null, null, 8081, 6969, "proxy",
                2067, 4011, "http: {port: 9999, filesRoot: /srv/files}\ndhcp: {clientPort: 2068}\n");
        RuntimeConfig c = EmbeddedRuntime.config(lab, dir, dir.resolve("api-token"));
        assertThat(c.http().port()).isEqualTo(8081);
        assertThat(c.http().filesRoot()).isEqualTo("/srv/files");
        assertThat(c.http().apiTokenFile()).isEqualTo(dir.resolve("api-token").toString());
        assertThat(c.tftp().port()).isEqualTo(6969);
        assertThat(c.dhcp().serverPort()).isEqualTo(2067);
        assertThat(c.dhcp().clientPort()).isEqualTo(2068);
        assertThat(c.dhcp().mode()).isEqualTo("proxy");
        assertThat(c.dataDir()).isEqualTo(dir.toString());

        // Unset settings leave the YAML's (or the runtime's) values; YAML 1.1 words stay words.
        RuntimeConfig d = EmbeddedRuntime.config(new EmbeddedRuntime.Settings("10.0.0.1", null, null, null, null,
                null, null, null, "http: {port: 9999}\npool: {cleanup: off}\ndhcp: {mode: off}\n"
                + "boot: {answerUnknown: false}\n"), dir, dir.resolve("t"));
        assertThat(d.http().port()).isEqualTo(9999);
        assertThat(d.pool().cleanup()).isEqualTo("off");
        assertThat(d.dhcp().mode()).isEqualTo("off");
        assertThat(d.boot().answerUnknown()).isFalse();
        assertThat(d.tftp().port()).isEqualTo(69);

        for (String owned : new String[] {"dataDir: /tmp/x", "http: {apiToken: abcdefghijklmnopq}",
                "http: {apiTokenFile: /etc/t}"}) {
            assertThatThrownBy(() -> EmbeddedRuntime.config(new EmbeddedRuntime.Settings("10.0.0.1", null, null,
                    null, null, null, null, null, owned), dir, dir.resolve("t"))).hasMessageContaining("set by the plugin");
        }
        assertThatThrownBy(() -> EmbeddedRuntime.config(new EmbeddedRuntime.Settings("10.0.0.1", null, null,
                70000, null, null, null, null, null), dir, dir.resolve("t"))).hasMessageContaining("http.port");
        assertThatThrownBy(() -> new EmbeddedRuntime.Settings(null, null, null, null, null, null, null, null,
                null)).hasMessageContaining("address");
    }

    @Test
    void aTakenPortFailsTheStartAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            EmbeddedRuntime.Settings s = new EmbeddedRuntime.Settings("127.0.0.1", null, "127.0.0.1",
                    taken.getLocalPort(), 0, "off", null, null, yaml());
            assertThatThrownBy(() -> EmbeddedRuntime.start(dir.resolve("home"), s))
                    .isInstanceOf(java.io.IOException.class);
        }
        // The failed start closed what it had opened: the same home starts right after.
        EmbeddedRuntime.Settings free = new EmbeddedRuntime.Settings("127.0.0.1", null, "127.0.0.1", 0, 0, "off",
                null, null, yaml());
        try (EmbeddedRuntime rt = EmbeddedRuntime.start(dir.resolve("home"), free)) {
            assertThat(rt.client().machines()).hasSize(1);
        }
    }

    /** One pool machine: the runtime opens its store before it binds its ports. */
    private String yaml() {
        return "tftp: {root: '" + dir + "'}\nhttp: {filesRoot: '" + dir + "'}\ndeploy: {kernel: k}\n"
                + "machines: [{mac: '52:54:00:dd:01:01', name: m1, action: local, bmc: {driver: manual}}]\n";
    }
}
