package io.pxereimage.runtime.agentit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The real deploy agent as a child JVM from the shaded {@code deploy-agent/target/deploy-agent.jar}, over a fake
 * machine under {@code root}: {@code cmdline}, {@code proc/} (cpuinfo, meminfo, self/mounts), {@code sys/} (one
 * disk {@code vda}, one NIC), {@code dev/vda} (a regular file: the "disk"). The reboot command only touches
 * {@code root/rebooted}.
 *
 * <p>Why a child process and not {@code new Agent(config).run()} in the test JVM: it runs the artifact that goes
 * into the initramfs, through its real {@code Main} (option parsing, cmdline reading, the bufsize property); the
 * agent keeps JVM-wide state (a static download watchdog, HttpClient selector threads, a system property, its own
 * stdout logger) that would leak across tests and mix with the runtime's log; and killing a process is the only
 * stop that leaves no thread behind. It also needs no dependency from agent-runtime on deploy-agent. The reactor
 * builds deploy-agent (and shades it in {@code package}) before agent-runtime, so failsafe always finds the jar
 * of the same build.
 */
final class AgentProcess implements AutoCloseable {
    static final int MIB = 1 << 20;

    final Path root;
    final Path disk;
    final Path rebootMarker;
    private final Path log;
    private final Process process;

    private AgentProcess(Path root, Path disk, Path log, Process process) {
        this.root = root;
        this.disk = disk;
        this.rebootMarker = root.resolve("rebooted");
        this.log = log;
        this.process = process;
    }

    static Path jar() {
        String env = System.getenv("DEPLOY_AGENT_JAR");
        Path jar = env != null ? Path.of(env) : Path.of("..", "deploy-agent", "target", "deploy-agent.jar");
        Prerequisites.requireFiles(jar.toAbsolutePath().normalize().toString());
        return jar.toAbsolutePath().normalize();
    }

    static AgentProcess start(Path root, String runtimeUrl, String token, String mac, long diskBytes)
            throws IOException {
        Path jar = jar();
        Path proc = Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nmodel name\t: Agentit CPU\n");
        Files.writeString(root.resolve("proc/meminfo"), "MemTotal:        1048576 kB\n");
        Files.writeString(root.resolve("proc/self/mounts"), "proc /proc proc rw 0 0\n");
        Files.writeString(root.resolve("proc/swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
        Path block = Files.createDirectories(root.resolve("sys/block/vda/queue"));
        Files.writeString(block.resolveSibling("size"), diskBytes / 512 + "\n");
        Files.writeString(block.resolveSibling("removable"), "0\n");
        Files.writeString(block.resolve("rotational"), "0\n");
        Path nic = Files.createDirectories(root.resolve("sys/class/net/eth0"));
        Files.writeString(nic.resolve("address"), mac + "\n");
        Files.writeString(nic.resolve("operstate"), "up\n");
        Files.writeString(nic.resolve("type"), "1\n");
        Path dev = Files.createDirectories(root.resolve("dev"));
        Path disk = dev.resolve("vda");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            // First and last MiB non-zero, so a wipe (zeroing them) is visible.
            f.setLength(diskBytes);
            byte[] b = new byte[MIB];
            Arrays.fill(b, (byte) 0xAA);
            f.seek(0);
            f.write(b);
            f.seek(diskBytes - MIB);
            f.write(b);
        }
        Path work = Files.createDirectories(root.resolve("work"));
        Path cmdline = root.resolve("cmdline");
        Files.writeString(cmdline, "quiet pxe.runtime=" + runtimeUrl + " pxe.token=" + token + " pxe.mac=" + mac
                + " console=ttyS0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-Xmx128m", "-jar", jar.toString(),
                "--cmdline", cmdline.toString(), "--proc", proc.getParent().toString(),
                "--mounts", root.resolve("proc/self/mounts").toString(), "--sys", root.resolve("sys").toString(),
                "--dev", dev.toString(), "--workdir", work.toString(),
                // wipes are not exercised here; should one happen, it must not reach a real device
                "--tool", "wipefs=true", "--tool", "blkdiscard=true",
                "--reboot-command", "touch " + root.resolve("rebooted"), "--poweroff-command", "true",
                "--backoff-max-seconds", "1");
        Path log = root.resolve("agent.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return new AgentProcess(root, disk, log, p);
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits up to {@code millis} for {@code needle} in the agent's output. */
    boolean awaitOutput(String needle, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!output().contains(needle)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
