package io.pxereimage.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keeps the package rules of docs/architecture.md: codecs know nothing of decisions, decisions know nothing of
 * sockets. Reads the sources, so it needs no extra library.
 */
class ArchitectureTest {
    private static final Path SRC = Path.of("src/main/java/io/pxereimage/runtime");

    /** The activity log is fed by servers and handlers only: the codecs of a mixed package stay free of it. */
    @ParameterizedTest(name = "{0} must not import the activity log")
    @CsvSource({"tftp/TftpCodec.java", "tftp/TftpPacket.java", "tftp/TftpOptions.java", "pxe/PxeReplies.java",
        "pxe/ClientInfo.java"})
    void codecsDoNotRecordActivity(String file) throws IOException {
        assertThat(Files.readAllLines(SRC.resolve(file))).noneMatch(l -> l.contains("runtime.activity"));
    }

    @ParameterizedTest(name = "{0} must not import {1}")
    @CsvSource({
        "dhcp, io.pxereimage.runtime.boot",
        "dhcp, io.pxereimage.runtime.pxe",
        "dhcp, io.pxereimage.runtime.http",
        "tftp, io.pxereimage.runtime.boot",
        "tftp, io.pxereimage.runtime.pxe",
        "tftp, io.pxereimage.runtime.http",
        "boot, io.netty",
        "boot, io.pxereimage.runtime.dhcp",
        "boot, io.pxereimage.runtime.pxe",
        "boot, io.pxereimage.runtime.http",
        "net, io.pxereimage.runtime.boot",
        "device, io.netty",
        "device, io.pxereimage.runtime.http",
        "device, io.pxereimage.runtime.api",
        "image, io.netty",
        "image, io.pxereimage.runtime.http",
        "image, io.pxereimage.runtime.api",
        "api, io.netty",
        "pool, io.netty",
        "pool, io.pxereimage.runtime.http",
        "pool, io.pxereimage.runtime.api",
        "pool, io.pxereimage.runtime.config",
        "store, io.pxereimage.runtime.pool",
        "power, io.pxereimage.runtime.pool",
        "election, io.netty",
        "election, io.pxereimage.runtime.pxe",
        "election, io.pxereimage.runtime.http",
        "election, io.pxereimage.runtime.config",
        "pxe, io.pxereimage.runtime.election",
        "audit, io.netty",
        "activity, io.netty",
        "dhcp, io.pxereimage.runtime.activity",
        "boot, io.pxereimage.runtime.activity",
        "audit, io.pxereimage.runtime.http",
        "audit, io.pxereimage.runtime.api",
        "timeline, io.netty",
        "timeline, io.pxereimage.runtime.pxe",
        "timeline, io.pxereimage.runtime.http",
        "timeline, io.pxereimage.runtime.device",
        "timeline, io.pxereimage.runtime.pool",
        "concurrent, io.pxereimage.runtime.",
    })
    void packageDoesNotImport(String pkg, String forbidden) throws IOException {
        Path dir = SRC.resolve(pkg.replace('.', '/'));
        assertThat(dir).isDirectory();
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import " + forbidden + ".") || line.startsWith("import static " + forbidden + ".")) {
                        offenders.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(offenders).as("imports of %s in %s", forbidden, pkg).isEmpty();
    }
}
