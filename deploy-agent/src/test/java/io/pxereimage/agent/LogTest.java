package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTest {
    @Test
    void sameFileFollowsLinksAndIsFalseWhenUnsure(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "x");
        Path b = Files.writeString(dir.resolve("b"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), a);
        assertThat(Log.sameFile(a, link)).isTrue();
        assertThat(Log.sameFile(a, b)).isFalse();
        assertThat(Log.sameFile(a, dir.resolve("missing"))).isFalse();
    }
}
