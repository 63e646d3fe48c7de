package io.pxereimage.runtime.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.device.BootTokens.Outcome;
import io.pxereimage.runtime.testing.MutableClock;
import io.pxereimage.runtime.net.MacAddress;

class BootTokensTest {
    static final MacAddress A = MacAddress.parse("52:54:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("52:54:00:00:00:0b");
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T13:00:00Z"));
    final BootTokens tokens = new BootTokens(clock, BootTokens.DEFAULT_TTL);

    @Test
    void tokensAre256BitHexAndDistinct() {
        String t1 = tokens.mint(A);
        String t2 = tokens.mint(B);
        assertThat(t1).matches("[0-9a-f]{64}");
        assertThat(t1).isNotEqualTo(t2);
        assertThat(Secrets.fingerprint(t1)).hasSize(6).isEqualTo(Secrets.sha256Hex(t1).substring(0, 6));
    }

    @Test
    void validOnceForItsMac() {
        String t = tokens.mint(A);
        assertThat(tokens.redeem(A, "0".repeat(64))).isEqualTo(Outcome.UNKNOWN);
        assertThat(tokens.redeem(A, null)).isEqualTo(Outcome.UNKNOWN);
        assertThat(tokens.redeem(B, t)).isEqualTo(Outcome.OTHER_MAC);
        assertThat(tokens.redeem(A, t)).isEqualTo(Outcome.OK);
        assertThat(tokens.redeem(A, t)).isEqualTo(Outcome.USED);
    }

    @Test
    void expiresAfterFifteenMinutes() {
        String early = tokens.mint(A);
        String late = tokens.mint(B);
        clock.advance(Duration.ofMinutes(14).plusSeconds(59));
        assertThat(tokens.redeem(A, early)).isEqualTo(Outcome.OK);
        clock.advance(Duration.ofSeconds(1));
        assertThat(tokens.redeem(B, late)).isEqualTo(Outcome.EXPIRED);
        assertThat(Outcome.EXPIRED.reason()).isEqualTo("token expired");
    }

    @Test
    void aNewMintRevokesThePreviousToken() {
        String first = tokens.mint(A);
        String second = tokens.mint(A);
        assertThat(tokens.redeem(A, first)).isEqualTo(Outcome.UNKNOWN);
        assertThat(tokens.redeem(A, second)).isEqualTo(Outcome.OK);
    }

    @Test
    void digestsSurviveARestartButTokensAreNotStored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("boot-tokens.json");
        BootTokens before = new BootTokens(file, clock, BootTokens.DEFAULT_TTL);
        String used = before.mint(B);
        assertThat(before.redeem(B, used)).isEqualTo(Outcome.OK);
        String t = before.mint(A);
        assertThat(java.nio.file.Files.readString(file)).doesNotContain(t).doesNotContain(used)
                .contains(Secrets.sha256Hex(t));
        BootTokens after = new BootTokens(file, clock, BootTokens.DEFAULT_TTL);
        assertThat(after.redeem(B, used)).isEqualTo(Outcome.USED);
        assertThat(after.redeem(A, t)).isEqualTo(Outcome.OK);
    }
}
