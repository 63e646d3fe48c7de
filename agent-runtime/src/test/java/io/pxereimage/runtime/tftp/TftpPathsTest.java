package io.pxereimage.runtime.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TftpPathsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "pxelinux.0, pxelinux.0",
        "/pxelinux.0, pxelinux.0",
        "//boot///x, boot/x",
        "'\\boot\\efi\\grubx64.efi', boot/efi/grubx64.efi",
        "./a/./b, a/b",
        "a/b/, a/b",
        "'..foo/bar..', '..foo/bar..'",
    })
    void normalises(String in, String out) {
        assertThat(TftpPaths.normalize(in)).contains(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../etc/passwd", "a/../../b", "a/..", "..\\secret", "/..", "C:\\boot.ini",
        "c:/x", "/", "", "a\u0001b", "."})
    void refuses(String in) {
        assertThat(TftpPaths.normalize(in)).isEmpty();
    }

    @Test
    void rootSourceConfinesSymlinks(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(tmp.resolve("secret"), "s");
        Files.writeString(root.resolve("inside"), "ok");
        Files.createDirectories(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("escape"), tmp.resolve("secret"));
        Files.createSymbolicLink(root.resolve("escdir"), tmp);
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("inside"));
        Files.createSymbolicLink(root.resolve("dangling"), root.resolve("nowhere"));
        RootDirectorySource src = new RootDirectorySource(root);

        assertThat(src.resolve("escape")).isInstanceOf(TftpFileSource.Denied.class);
        assertThat(src.resolve("escdir/secret")).isInstanceOf(TftpFileSource.Denied.class);
        assertThat(src.resolve("dir")).isInstanceOf(TftpFileSource.Denied.class);
        assertThat(src.resolve("missing")).isInstanceOf(TftpFileSource.NotFound.class);
        assertThat(src.resolve("dangling")).isInstanceOf(TftpFileSource.NotFound.class);
        // Even a name that skipped TftpPaths cannot leave the root.
        assertThat(src.resolve("../secret")).isInstanceOf(TftpFileSource.Denied.class);
        try (var found = (TftpFileSource.Found) src.resolve("alias")) {
            assertThat(found.size()).isEqualTo(2);
        }
        try (var found = (TftpFileSource.Found) src.resolve("inside")) {
            assertThat(found.size()).isEqualTo(2);
        }
    }
}
