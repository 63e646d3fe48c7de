package io.pxereimage.runtime.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import io.pxereimage.runtime.power.IpmiToolDriver;

/**
 * OpenIPMI's ipmi_sim on 127.0.0.1 with one admin user. Its chassis_control script keeps the power state and the
 * boot device in files and logs every call ("0x20 set power 1", "0x20 set boot pxe", ...).
 */
public final class IpmiSim implements AutoCloseable {
    public static final String USER = "admin";
    public static final String PASSWORD = "Sim-pass9";

    public final Path dir;
    public final int port;
    private final Process process;

    public IpmiSim(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        this.port = freeUdpPort();
        Path script = dir.resolve("chassis.sh");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "d='" + dir + "'",
                "echo \"$@\" >> \"$d/calls.log\"",
                "op=$2; shift 2",
                "if [ \"$op\" = get ]; then",
                "  for p in \"$@\"; do",
                "    case $p in",
                "      power) echo \"power:$(cat \"$d/power\" 2>/dev/null || echo 0)\";;",
                "      boot) echo \"boot:$(cat \"$d/boot\" 2>/dev/null || echo default)\";;",
                "    esac",
                "  done",
                "else",
                "  while [ $# -ge 2 ]; do",
                "    case $1 in power) echo $2 > \"$d/power\";; boot) echo $2 > \"$d/boot\";; esac",
                "    shift 2",
                "  done",
                "fi", ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("bmc.emu"), String.join("\n", "mc_setbmc 0x20",
                "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr",
                "sel_enable 0x20 1000 0x0a", "mc_enable 0x20", ""));
        Files.writeString(dir.resolve("lan.conf"), String.join("\n", "name \"test\"", "set_working_mc 0x20",
                "startlan 1", "  addr 127.0.0.1 " + port, "  priv_limit admin",
                "  allowed_auths_callback md5", "  allowed_auths_user md5", "  allowed_auths_operator md5",
                "  allowed_auths_admin md5", "  guid a123456789abcdefa123456789abcdef", "endlan",
                "chassis_control \"" + script + " 0x20\"",
                "user 2 true \"" + USER + "\" \"" + PASSWORD + "\" admin 10 md5", ""));
        Files.createDirectories(dir.resolve("state"));
        process = new ProcessBuilder("ipmi_sim", "-c", dir.resolve("lan.conf").toString(), "-f",
                dir.resolve("bmc.emu").toString(), "-s", dir.resolve("state").toString(), "-n")
                .redirectErrorStream(true).redirectOutput(dir.resolve("sim.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!portTaken(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IOException("ipmi_sim did not start: " + Files.readString(dir.resolve("sim.log")));
            }
            Thread.sleep(50);
        }
    }

    public IpmiToolDriver driver(String password) {
        return new IpmiToolDriver("ipmitool", "127.0.0.1", port, USER, password, java.time.Duration.ofSeconds(15));
    }

    public String file(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p).trim() : "";
    }

    public void setPower(boolean on) throws IOException {
        Files.writeString(dir.resolve("power"), on ? "1\n" : "0\n");
    }

    public static int freeUdpPort() throws SocketException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean portTaken(int port) {
        try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
