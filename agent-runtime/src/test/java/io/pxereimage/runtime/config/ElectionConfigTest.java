package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code election:} section: defaults, and every bad value reported as FILE:LINE:COL: field: reason. */
class ElectionConfigTest {
    static final String SECRET = "correct-horse-battery-staple-42";

    @TempDir
    Path dir;
    Path key;

    @BeforeEach
    void key() throws Exception {
        key = dir.resolve("election.key");
        Files.writeString(key, SECRET + "\n");
    }

    String yaml(String election) {
        return """
                address: 10.231.104.1
                dhcp: {mode: proxy}
                election:
                %s
                """.formatted(election.indent(2).stripTrailing());
    }

    @Test
    void absentMeansNoElection() {
        assertThat(ConfigLoader.parse("t.yaml", "address: 10.231.104.1\n").election()).isNull();
    }

    @Test
    void defaultsAndGivenValues() {
        ElectionSection e = ConfigLoader.parse("t.yaml", yaml("keyFile: " + key + "\nsubnet: 10.231.104.0/24"))
                .election();
        assertThat(e.port()).isEqualTo(2012);
        assertThat(e.weight()).isEqualTo(100);
        assertThat(e.waitMillis()).isEqualTo(1000);
        assertThat(e.intervalMillis()).isEqualTo(500);
        assertThat(e.missed()).isEqualTo(3);
        assertThat(e.subnetValue().toString()).isEqualTo("10.231.104.0/24");
        ElectionSection g = ConfigLoader.parse("t.yaml", yaml("keyFile: " + key
                + "\nsubnet: 10.231.104.0/24\nport: 2112\nweight: 7\nwaitMillis: 0\nid: 42")).election();
        assertThat(g.port()).isEqualTo(2112);
        assertThat(g.weight()).isEqualTo(7);
        assertThat(g.waitMillis()).isZero();
        assertThat(g.id()).isEqualTo(42L);
        assertThat(ElectionSection.readKey(key.toString())).hasSize(SECRET.length()); // newline not part of it
    }

    @Test
    void badValuesPointAtTheirLine() {
        fails("keyFile: " + key + "\nsubnet: 10.231.104.0/24\nweight: 70000",
                "t.yaml:6:3: election.weight: 70000 is outside 0..65535");
        fails("keyFile: " + key + "\nsubnet: 10.231.104.7/24", "t.yaml:5:3: election.subnet: ");
        fails("keyFile: " + key + "\nsubnet: 10.231.104.0/24\nport: 70000", "t.yaml:6:3: election.port: ");
        fails("subnet: 10.231.104.0/24", "t.yaml:3:1: election.keyFile: required"); // missing: the section
        fails("keyFile: " + key + "\nsubnet: 10.231.104.0/24\nintervalMillis: 5", "t.yaml:6:3: election.intervalMillis");
        fails("keyFile: " + key + "\nsubnet: 10.231.104.0/24\nwieght: 5", "t.yaml:6:3: election.wieght: unknown field");
    }

    @Test
    void keyFileProblemsNameTheFileNeverTheKey() throws Exception {
        fails("keyFile: " + dir.resolve("missing") + "\nsubnet: 10.231.104.0/24",
                "t.yaml:4:3: election.keyFile: cannot read " + dir.resolve("missing"));
        Files.writeString(key, "short\n");
        String msg = message("keyFile: " + key + "\nsubnet: 10.231.104.0/24");
        assertThat(msg).startsWith("t.yaml:4:3: election.keyFile: ").contains("5 bytes, at least 16")
                .doesNotContain("short\n").doesNotContain(": short");
    }

    @Test
    void theSubnetMustHoldTheAddress() {
        assertThat(message("keyFile: " + key + "\nsubnet: 10.231.105.0/24")).isEqualTo("t.yaml:3:1: election:"
                + " subnet 10.231.105.0/24 does not contain this runtime's address 10.231.104.1");
    }

    @Test
    void needsASubnetOrAnInterfaceAndDhcp() {
        assertThat(message("keyFile: " + key)).isEqualTo("t.yaml:3:1: election: give election.subnet or"
                + " 'interface' (the subnet to elect a responder on)");
        assertThat(message0("""
                address: 10.231.104.1
                dhcp: {mode: off}
                election: {keyFile: %s, subnet: 10.231.104.0/24}
                """.formatted(key))).contains("election: dhcp mode is off");
    }

    void fails(String election, String expected) {
        assertThat(message(election)).startsWith(expected);
    }

    String message(String election) {
        return message0(yaml(election));
    }

    static String message0(String yaml) {
        try {
            ConfigLoader.parse("t.yaml", yaml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).doesNotContain(SECRET);
            return e.getMessage();
        }
        throw new AssertionError("accepted:\n" + yaml);
    }
}
