package io.pxereimage.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the few sysfs files the inventory reads. */
final class FakeSysfs {
    private FakeSysfs() {
    }

    static void nic(Path sys, String name, String mac, String operstate, String speed) throws IOException {
        Path n = Files.createDirectories(sys.resolve("class/net").resolve(name));
        Files.writeString(n.resolve("address"), mac + "\n");
        Files.writeString(n.resolve("operstate"), operstate + "\n");
        Files.writeString(n.resolve("type"), "1\n");
        if (speed != null) {
            Files.writeString(n.resolve("speed"), speed + "\n");
        }
    }

    static Path disk(Path sys, String name, long sectors, boolean removable, boolean rotational) throws IOException {
        Path d = Files.createDirectories(sys.resolve("block").resolve(name));
        Files.createDirectories(d.resolve("queue"));
        Files.writeString(d.resolve("size"), sectors + "\n");
        Files.writeString(d.resolve("removable"), (removable ? 1 : 0) + "\n");
        Files.writeString(d.resolve("queue/rotational"), (rotational ? 1 : 0) + "\n");
        return d;
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
