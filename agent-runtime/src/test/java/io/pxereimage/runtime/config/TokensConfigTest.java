package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.api.ApiToken;

/** {@code http.tokens}: named tokens with roles; every bad entry reported as FILE:LINE:COL: field: reason. */
class TokensConfigTest {
    static final String ALICE = "alice-secret-0123456789";
    static final String BOB = "bob-secret-0123456789ab";

    @TempDir
    Path dir;
    Path alice;
    Path bob;

    @BeforeEach
    void files() throws Exception {
        alice = secret("alice.token", ALICE + "\n");
        bob = secret("bob.token", BOB);
    }

    Path secret(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    static String yaml(String http) {
        return "address: 10.231.104.1\nhttp:\n" + http.indent(2);
    }

    @Test
    void namedTokensWithRoles() {
        HttpSection h = ConfigLoader.parse("t.yaml", yaml("""
                tokens:
                  - {name: alice, file: %s, role: admin}
                  - {name: bob, file: %s, role: viewer}
                """.formatted(alice, bob))).http();
        assertThat(h.tokens()).extracting(TokenEntry::toToken).containsExactly(
                new ApiToken("alice", ALICE, ApiToken.Role.ADMIN), new ApiToken("bob", BOB, ApiToken.Role.VIEWER));
        assertThat(h.toString()).doesNotContain(ALICE).doesNotContain(BOB);
        assertThat(ConfigLoader.parse("t.yaml", "address: 10.231.104.1\n").http().tokens()).isEmpty();
    }

    @Test
    void badEntriesPointAtTheirLineAndNeverShowTheSecret() throws Exception {
        Path open = dir.resolve("open.token");
        Files.writeString(open, ALICE);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Path shortOne = secret("short.token", "short");
        Path same = secret("same.token", ALICE);
        fails("tokens:\n  - {name: alice, file: " + alice + ", role: root}\n",
                "http.tokens[0].role: must be admin or viewer");
        fails("tokens:\n  - {name: alice, file: " + alice + "}\n",
                "http.tokens[0].role: must be admin or viewer");
        fails("tokens:\n  - {file: " + alice + ", role: admin}\n", "http.tokens[0].name: required");
        fails("tokens:\n  - {name: alice, role: admin}\n", "http.tokens[0].file: required");
        fails("tokens:\n  - {name: x, file: " + open + ", role: admin}\n",
                "http.tokens[0].file: " + open + " is accessible to group or others; chmod 600 it");
        fails("tokens:\n  - {name: x, file: " + shortOne + ", role: admin}\n",
                "http.tokens[0].file: " + shortOne + " holds 5 characters, at least 16");
        fails("tokens:\n  - {name: x, file: " + dir.resolve("missing") + ", role: admin}\n",
                "http.tokens[0].file: cannot read");
        fails("tokens:\n  - {name: a, file: " + alice + ", role: admin}\n  - {name: a, file: " + bob
                + ", role: viewer}\n", "http.tokens: a appears twice");
        fails("tokens:\n  - {name: a, file: " + alice + ", role: admin}\n  - {name: b, file: " + same
                + ", role: viewer}\n", "http.tokens: a and b have the same token");
        fails("apiTokenFile: " + bob + "\ntokens:\n  - {name: admin, file: " + alice + ", role: viewer}\n",
                "http.tokens: the name admin belongs to apiToken/apiTokenFile");
        fails("tokens:\n  - {name: x, file: " + alice + ", role: admin, extra: 1}\n", "unknown field 'extra'");
    }

    void fails(String http, String expected) {
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", yaml(http)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(expected)
                .hasMessageMatching("t\\.yaml:\\d+:\\d+: (?s).*")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ALICE).doesNotContain(BOB));
    }
}
