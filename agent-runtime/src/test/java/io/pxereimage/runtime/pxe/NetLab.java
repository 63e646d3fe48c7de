package io.pxereimage.runtime.pxe;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Network namespaces for one test class: a switch namespace with a bridge, and hosts attached to it by veth pairs
 * (lab-notes.md topology). Names are {@code <prefix>-<tag>-<random>-<role>} (prefix {@code pxd} unless given), so
 * two classes never collide; {@link
 * #close()} kills every process started here and deletes every namespace, also after failures.
 */
public final class NetLab implements AutoCloseable {
    /** What a finished command left behind. */
    public record Result(int exit, String output) {
    }

    public final String prefix;
    public final Path dir;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    public NetLab(String tag) throws IOException {
        this("pxd", tag);
    }

    public NetLab(String namePrefix, String tag) throws IOException {
        prefix = namePrefix + "-" + tag + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        dir = Files.createTempDirectory(prefix);
        String sw = ns("sw");
        add(sw);
        sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0",
                "mcast_snooping", "0");
        sh("ip", "-n", sw, "link", "set", "br0", "up");
    }

    public String ns(String role) {
        return prefix + "-" + role;
    }

    /** A host namespace with {@code eth0} on the bridge; {@code cidr} may be null (no address). */
    public String host(String role, String mac, String cidr) throws IOException {
        String n = ns(role);
        add(n);
        String port = "p-" + role;
        sh("ip", "-n", ns("sw"), "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", n);
        sh("ip", "-n", ns("sw"), "link", "set", port, "master", "br0", "up");
        if (mac != null) {
            sh("ip", "-n", n, "link", "set", "eth0", "address", mac);
        }
        if (cidr != null) {
            sh("ip", "-n", n, "addr", "add", cidr, "brd", "+", "dev", "eth0");
        }
        sh("ip", "-n", n, "link", "set", "eth0", "up");
        return n;
    }

    /**
     * A host namespace {@code role} off the bridge, joined to namespace {@code peer} by a veth pair: {@code eth0}
     * ({@code cidr}) on the new side, {@code peerIf} ({@code peerCidr}) on the peer's (a router's second leg).
     */
    public String linked(String role, String cidr, String peer, String peerIf, String peerCidr) throws IOException {
        String n = ns(role);
        add(n);
        sh("ip", "-n", peer, "link", "add", peerIf, "type", "veth", "peer", "name", "eth0", "netns", n);
        sh("ip", "-n", peer, "addr", "add", peerCidr, "brd", "+", "dev", peerIf);
        sh("ip", "-n", peer, "link", "set", peerIf, "up");
        sh("ip", "-n", n, "addr", "add", cidr, "brd", "+", "dev", "eth0");
        sh("ip", "-n", n, "link", "set", "eth0", "up");
        return n;
    }

    private void add(String n) throws IOException {
        sh("ip", "netns", "add", n);
        namespaces.add(n);
        sh("ip", "-n", n, "link", "set", "lo", "up");
    }

    /** Runs a command on the host, failing on a non-zero exit. */
    public void sh(String... cmd) throws IOException {
        Result r = run(Duration.ofSeconds(20), List.of(cmd));
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
        }
    }

    /** Runs {@code cmd} inside namespace {@code ns}, killing it after {@code timeout}. */
    public Result exec(String ns, Duration timeout, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return run(timeout, full);
    }

    private Result run(Duration timeout, List<String> cmd) throws IOException {
        File out = Files.createTempFile(dir, "cmd", ".out").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(out.toPath(), StandardCharsets.UTF_8) + "\n[timed out]");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
    }

    /** Starts {@code cmd} in {@code ns} in the background, output to {@code log}; stopped by {@link #close()}. */
    public Process start(String ns, Path log, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    public void track(Process p) {
        processes.add(p);
    }

    /** Writes an executable shell script into the lab directory. */
    public Path script(String name, String body) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body);
        f.toFile().setExecutable(true);
        return f;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroy();
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String n : namespaces) {
            try {
                run(Duration.ofSeconds(10), List.of("ip", "netns", "del", n));
            } catch (IOException e) {
                System.err.println("cannot delete namespace " + n + ": " + e);
            }
        }
        // Images and disk files of a few tests add up to gigabytes: keep them only when asked (-Dnetlab.keep=true).
        if (!Boolean.getBoolean("netlab.keep")) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                System.err.println("cannot delete " + dir + ": " + e);
            }
        }
    }
}
