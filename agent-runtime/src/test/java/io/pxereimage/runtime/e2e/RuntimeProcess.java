package io.pxereimage.runtime.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime under test: {@code pxe-runtime.jar boot KERNEL INITRD} (or {@code serve --config FILE}) as a child
 * process in the server namespace,
 * its log (stderr) in {@code target/e2e/<TestClass>/NAME.log}. Started means "logged {@code ready}".
 */
final class RuntimeProcess {
    private static final String READY = "PxeRuntime - ready";

    final Path log;
    private final Process process;
    private final LabFixture lab;

    private RuntimeProcess(LabFixture lab, Process process, Path log) {
        this.lab = lab;
        this.process = process;
        this.log = log;
    }

    static RuntimeProcess start(LabFixture lab, String name, String mode, String cmdline, List<String> macs)
            throws Exception {
        Path log = lab.file(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(lab.inNamespace("srv", java, "-jar", lab.jar.toString(), "boot",
                lab.assets.resolve("vmlinuz").toString(), lab.assets.resolve("initrd.img").toString(),
                "--cmdline", cmdline, "--mode", mode, "-i", "eth0",
                "--data-dir", lab.file(name + "-data").toString()));
        for (String mac : macs) {
            cmd.add("--mac");
            cmd.add(mac);
        }
        return launch(lab, cmd, log);
    }

    /** {@code pxe-runtime.jar serve --config CONFIG} in the server namespace, log in {@code NAME.log}. */
    static RuntimeProcess serve(LabFixture lab, String name, Path config) throws Exception {
        return launch(lab, lab.inNamespace("srv", javaCommand(lab, "serve", "--config", config.toString())
                .toArray(String[]::new)), lab.file(name + ".log"));
    }

    /** {@code java -jar pxe-runtime.jar ARGS...} (no namespace: callers wrap it as needed). */
    static List<String> javaCommand(LabFixture lab, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", lab.jar.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static RuntimeProcess launch(LabFixture lab, List<String> cmd, Path log) throws Exception {
        // `ip netns exec` execs the command, so this Process is the JVM itself and SIGTERM reaches its hook.
        Process p = lab.track(Procs.start(cmd, Map.of(), log));
        if (!Procs.awaitText(log, READY, p, Duration.ofSeconds(60))) {
            Procs.stop(p, Duration.ofSeconds(5));
            throw new AssertionError("runtime did not become ready:\n" + Procs.tail(log, 30));
        }
        return new RuntimeProcess(lab, p, log);
    }

    String log() throws IOException {
        return Procs.read(log);
    }

    /** Log lines matching {@code regex} (searched with find). */
    List<String> lines(String regex) throws IOException {
        Pattern p = Pattern.compile(regex);
        return log().lines().filter(l -> p.matcher(l).find()).toList();
    }

    /** First match of {@code regex} in the log, for pulling out values such as the offered address. */
    Optional<Matcher> find(String regex) throws IOException {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(log());
        return m.find() ? Optional.of(m) : Optional.empty();
    }

    /** {@code GET /metrics} from inside the server namespace (the port is not reachable from outside). */
    String metrics() throws Exception {
        Path out = lab.file("metrics.txt");
        Files.deleteIfExists(out);
        Procs.runOk(lab.inNamespace("srv", "curl", "-sS", "--max-time", "5", "-o", out.toString(),
                "http://" + lab.ip(1) + ":8080/metrics"), Map.of(), lab.file("curl.log"),
                Duration.ofSeconds(15));
        return Procs.read(out);
    }

    /**
     * Sum of a Prometheus counter over the series carrying all {@code labels} ({@code key="value"} strings); 0 when
     * no series matches (Micrometer registers a series on first use).
     */
    static double counter(String metrics, String name, String... labels) {
        double sum = 0;
        for (String line : metrics.lines().toList()) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    void stop() throws InterruptedException {
        Procs.stop(process, Duration.ofSeconds(10));
    }
}
