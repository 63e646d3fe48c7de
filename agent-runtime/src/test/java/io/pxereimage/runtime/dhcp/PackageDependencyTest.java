package io.pxereimage.runtime.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The codec package knows nothing about booting (style.md, practice 1). */
class PackageDependencyTest {
    @Test
    void dhcpImportsNeitherBootNorPxe() throws Exception {
        Path dir = Path.of("src/main/java/io/pxereimage/runtime/dhcp");
        assertThat(dir).isDirectory();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                try {
                    assertThat(Files.readString(f)).as(f.toString())
                            .doesNotContain("io.pxereimage.runtime.boot").doesNotContain("io.pxereimage.runtime.pxe");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }
}
