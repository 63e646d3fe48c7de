package io.pxereimage.runtime.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import org.opentest4j.TestAbortedException;

import io.pxereimage.runtime.testing.Prerequisites;
import io.pxereimage.runtime.testing.PrometheusText;

/**
 * One lab per test class: namespaces {@code PREFIX srv|lan|cli} on {@code SUBNET}, the boot assets, and every
 * process the test starts (runtime, dnsmasq, tcpdump, qemu). Register it as a static {@code @RegisterExtension}:
 * set-up runs before the class, teardown after it (and from a shutdown hook if Maven is interrupted), whatever
 * happened. All logs land in {@code target/e2e/<TestClass>/}; a failed test prints the timeline of its boots.
 */
final class LabFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, TestWatcher {
    static final String MARKER = "PXE-REIMAGE-MARKER: init reached";
    static final String OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    static final String IPXE_EFI = "/usr/lib/ipxe/ipxe.efi";
    /**
     * Serial lines after which the marker can no longer come (the firmware gave up on the network): a failing
     * boot then ends in ~20 s instead of running into the timeout. SeaBIOS, then OVMF's boot manager.
     */
    static final List<String> DEAD_ENDS = List.of("No bootable device", "No bootable option or device was found");
    private static final Pattern RESULT = Pattern.compile("RESULT marker=(yes|no) elapsed=([0-9.]+)");

    final String prefix;
    final String subnet;
    Path repo;
    /** The Maven module running the test (agent-runtime, or plugin for its E2E): logs go to its target/. */
    Path module;
    Path work;
    Path assets;
    Path jar;
    /** Deploy environment + demo image ({@code boot-assets/}), only with {@link #withDeployAssets()}. */
    Path deployAssets;
    private boolean wantDeployAssets;
    private final Deque<Process> processes = new ArrayDeque<>();
    private final List<RuntimeProcess> runtimes = new ArrayList<>();
    /** Synchronized: a test may boot several machines at once. */
    private final List<BootResult> boots = java.util.Collections.synchronizedList(new ArrayList<>());
    private Thread hook;
    private TestAbortedException skipped;
    private boolean namespacesTouched;

    /** @param prefix namespace prefix (<= 9 chars), @param subnet three octets, e.g. {@code 10.231.41} */
    LabFixture(String prefix, String subnet) {
        this.prefix = prefix;
        this.subnet = subnet;
    }

    /**
     * Also builds the deploy environment (kernel, initrd with the agent) and the demo disk image into
     * {@code lab/work/deploy-assets} (cached by boot-assets/), and checks what those recipes need.
     */
    LabFixture withDeployAssets() {
        wantDeployAssets = true;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext ctx) throws Exception {
        try {
            checkPrerequisites();
        } catch (TestAbortedException e) {
            // Surefire/failsafe do not report a class-level skip at all ("Tests run: 0"): skip each test instead.
            skipped = e;
            return;
        }
        work = module.resolve("target/e2e/" + ctx.getRequiredTestClass().getSimpleName());
        setUp();
    }

    private void checkPrerequisites() {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("qemu-system-x86_64", "ip", "dnsmasq", "tcpdump", "tshark", "curl", "bash",
                "flock");
        Prerequisites.requireFiles(OVMF_CODE, "/usr/share/OVMF/OVMF_VARS_4M.fd", IPXE_EFI,
                "/usr/lib/ipxe/undionly.kpxe");
        module = Path.of("").toAbsolutePath();
        if (!Files.exists(module.resolve("pom.xml")) || !Files.exists(module.resolveSibling("lab/netns.sh"))) {
            module = module.resolve("agent-runtime"); // run from the repository root (IDE)
        }
        repo = module.getParent();
        jar = Path.of(System.getenv().getOrDefault("PXE_RUNTIME_JAR",
                repo.resolve("agent-runtime/target/pxe-runtime.jar").toString()));
        Prerequisites.requireFiles(repo.resolve("lab/netns.sh").toString(), jar.toString());
        if (wantDeployAssets) {
            // boot-assets/build-deploy-env.sh and build-demo-image.sh (syslinux, mtools, dosfstools, fdisk, JDK).
            Prerequisites.requireCommands("syslinux", "mcopy", "mkfs.fat", "sfdisk", "cpio", "zstd", "strip", "ldd",
                    "sha256sum", "truncate");
            Path jdkBin = Path.of(System.getProperty("java.home"), "bin");
            Prerequisites.requireFiles(jdkBin.resolve("jlink").toString(), jdkBin.resolve("keytool").toString(),
                    "/usr/lib/syslinux/mbr/mbr.bin", repo.resolve("deploy-agent/target/deploy-agent.jar").toString());
        }
    }

    private void setUp() throws Exception {
        deleteTree(work);
        Files.createDirectories(work);
        hook = new Thread(this::teardownQuietly, "e2e-teardown-" + prefix);
        Runtime.getRuntime().addShutdownHook(hook);

        assets = repo.resolve("lab/work/assets"); // shared, cached and flock-serialised by build-assets.sh
        Procs.runOk(List.of("bash", lab("build-assets.sh"), assets.toString()), env(), file("setup.log"),
                Duration.ofSeconds(600));
        if (wantDeployAssets) {
            deployAssets = repo.resolve("lab/work/deploy-assets");
            Map<String, String> env = env();
            // the recipes look jlink up on PATH: prefer the JDK running this test
            env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
            Procs.runOk(List.of("bash", repo.resolve("boot-assets/build-deploy-env.sh").toString(),
                    deployAssets.toString(), repo.resolve("deploy-agent/target/deploy-agent.jar").toString()), env,
                    file("setup.log"), Duration.ofSeconds(600));
            Procs.runOk(List.of("bash", repo.resolve("boot-assets/build-demo-image.sh").toString(),
                    deployAssets.toString()), env, file("setup.log"), Duration.ofSeconds(600));
        }
        namespacesTouched = true;
        // A previous run killed hard may have left the namespaces (and a runtime holding port 67): start clean.
        Procs.runOk(List.of("bash", lab("netns.sh"), "down", prefix), env(), file("setup.log"), Duration.ofSeconds(60));
        Procs.runOk(List.of("bash", lab("netns.sh"), "up", prefix, subnet), env(), file("setup.log"),
                Duration.ofSeconds(60));
    }

    @Override
    public void beforeEach(ExtensionContext ctx) {
        if (skipped != null) {
            throw new TestAbortedException(skipped.getMessage());
        }
        boots.clear();
    }

    @Override
    public void testFailed(ExtensionContext ctx, Throwable cause) {
        StringBuilder sb = new StringBuilder("\n==== e2e " + ctx.getDisplayName() + " failed; logs in " + work + "\n");
        for (BootResult b : List.copyOf(boots)) {
            sb.append("---- boot ").append(b.summary()).append('\n').append(b.timeline());
        }
        for (RuntimeProcess r : runtimes) {
            try {
                sb.append("---- runtime log tail ").append(r.log).append('\n').append(Procs.tail(r.log, 25)).append('\n');
            } catch (IOException e) {
                sb.append(e).append('\n');
            }
        }
        System.err.println(sb);
    }

    @Override
    public void afterAll(ExtensionContext ctx) {
        teardownQuietly();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it does the same work
            }
        }
    }

    private synchronized void teardownQuietly() {
        while (!processes.isEmpty()) {
            try {
                Procs.stop(processes.pop(), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (namespacesTouched) {
            namespacesTouched = false;
            try {
                Procs.run(List.of("bash", lab("netns.sh"), "down", prefix), env(), file("teardown.log"),
                        Duration.ofSeconds(60));
            } catch (Exception | AssertionError e) {
                System.err.println("e2e: teardown of " + prefix + " failed: " + e);
            }
        }
    }

    /** Adds a child process to those stopped (newest first) at teardown. */
    synchronized Process track(Process p) {
        processes.push(p);
        return p;
    }

    Path file(String name) {
        return work.resolve(name);
    }

    String lab(String script) {
        return repo.resolve("lab").resolve(script).toString();
    }

    String ip(int host) {
        return subnet + "." + host;
    }

    /** Environment for lab scripts: their scratch files (dnsmasq, RA, pid files) go under target/e2e too. */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("LAB_WORK", work.resolve("lab").toString());
        env.put("LAB_PREFIX", prefix);
        env.put("LAB_SUBNET", subnet);
        return env;
    }

    /** {@code ip netns exec PREFIX+ns command...} */
    List<String> inNamespace(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", prefix + ns));
        cmd.addAll(List.of(command));
        return cmd;
    }

    /** The lab's scratch directory for this prefix (what lib.sh's {@code lab_workdir} returns). */
    Path labWork() {
        return work.resolve("lab").resolve(prefix);
    }

    /** A plain DHCP server (addresses only, SUBNET.100-199) in the client namespace at SUBNET.2. */
    LabService plainDhcpInClientNamespace() throws Exception {
        String w = labWork().toString();
        return LabService.start(this, "dnsmasq-plain",
                "ip -n " + prefix + "cli addr replace " + ip(2) + "/24 brd + dev eth0 && LAB_DNSMASQ_NS=cli "
                        + "lab_dnsmasq_start " + prefix + " " + subnet + " " + w + " plain",
                "lab_stop_pidfile " + w + "/dnsmasq.pid");
    }

    /** {@code bytes} random bytes as hex: secrets and tokens of a test run. */
    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Writes a new random API token to {@code api-token}; returns the file (runtime config and API clients). */
    Path apiTokenFile() throws IOException {
        Path tokenFile = file("api-token");
        Files.writeString(tokenFile, randomHex(24) + "\n");
        return tokenFile;
    }

    /** Creates a sparse, all-zero 256 MiB disk image {@code name}. */
    Path blankDisk(String name) throws Exception {
        Path disk = file(name);
        Procs.runOk(List.of("truncate", "-s", "256M", disk.toString()), Map.of(), file("setup.log"),
                Duration.ofSeconds(10));
        return disk;
    }

    /**
     * Adds {@code image} as {@code demo} to the catalog in {@code data} offline, before the runtime starts (the
     * runtime reads images.json), with extra {@code image add} options; returns the command's log.
     */
    Path addImageOffline(String log, Path data, Path image, String... options) throws Exception {
        List<String> add = new ArrayList<>(RuntimeProcess.javaCommand(this, "image", "add", "demo", image.toString(),
                "--data-dir", data.toString()));
        add.addAll(List.of(options));
        Path logFile = file(log);
        Procs.runOk(add, Map.of(), logFile, Duration.ofSeconds(120));
        return logFile;
    }

    /**
     * Writes the runtime config {@code name} of a deploy lab: DHCP on eth0, the deploy assets, the API token
     * file, then {@code rest} (agent, pool, machines: YAML at top level); returns its path.
     */
    Path deployConfig(String name, Path data, Path tokenFile, String rest) throws IOException {
        Path config = file(name);
        Files.writeString(config, """
                interface: eth0
                dataDir: %s
                dhcp: {mode: dhcp}
                http:
                  port: 8080
                  filesRoot: %s
                  apiTokenFile: %s
                deploy:
                  kernel: deploy-vmlinuz
                  initrds: [deploy-initrd.img]
                  cmdline: pxe.onexit=poweroff
                """.formatted(data, deployAssets, tokenFile) + rest);
        return config;
    }

    /** What {@link #ipmiPoolMachine} set up: the runtime's data dir, API token file, config, the VM's disk and console. */
    record PoolLab(Path data, Path tokenFile, Path config, Path disk, Path serial) {
    }

    /**
     * One powered-off pool machine behind a real IPMI BMC ({@code lab/bmc.sh}: tap 1, BMC at SUBNET.241) with a blank
     * disk, the demo image in the catalog and a runtime config that pools it (labels metal, x86; cleanup wipe).
     * File names start with {@code name}; the runtime is not started.
     */
    PoolLab ipmiPoolMachine(String name, String machine, String mac) throws Exception {
        Path data = file(name + "data");
        Path tokenFile = apiTokenFile();
        Path bmcPassword = file("bmc-password");
        Files.writeString(bmcPassword, "password\n"); // lab/bmc.sh's default BMC password
        Path disk = blankDisk(name + "disk.img");
        addImageOffline(name + "image-add.log", data, deployAssets.resolve("demo-disk.img"));
        Path serial = file(name + "serial.log");
        Procs.runOk(List.of("bash", lab("bmc.sh"), "start", machine, "--prefix", prefix, "--mac", mac, "--tap", "1",
                "--disk", disk.toString(), "--serial-log", serial.toString()), env(), file("bmc.log"),
                Duration.ofSeconds(20));
        Path config = deployConfig(name + "runtime.yaml", data, tokenFile, """
                agent: {pollSeconds: 5}
                pool:
                  owner: lab
                  retryFailedSeconds: 5
                  timeouts: {powering: 90, netbooting: 240, deploying: 300, booting-os: 240, cleaning: 300}
                machines:
                  - mac: "%s"
                    name: %s
                    action: local
                    labels: [metal, x86]
                    disk: /dev/vda
                    bmc: {driver: ipmi, address: "%s:623", user: admin, passwordFile: %s}
                """.formatted(mac, machine, ip(241), bmcPassword));
        return new PoolLab(data, tokenFile, config, disk, serial);
    }

    /** {@code GET <url>/metrics} from the server namespace, as a Prometheus server would scrape it. */
    PrometheusText scrape(String url) throws Exception {
        Path out = file("metrics-" + System.nanoTime() + ".txt");
        Procs.runOk(inNamespace("srv", "curl", "-sS", "--fail", "--max-time", "5", "-o", out.toString(),
                url + "/metrics"), Map.of(), file("curl-metrics.log"), Duration.ofSeconds(15));
        return PrometheusText.parse(Files.readString(out));
    }

    /** Starts the runtime jar in the server namespace (see {@link RuntimeProcess}). */
    RuntimeProcess runtime(String name, String mode, String cmdline, String... macs) throws Exception {
        RuntimeProcess r = RuntimeProcess.start(this, name, mode, cmdline, List.of(macs));
        runtimes.add(r);
        return r;
    }

    /** Starts {@code pxe-runtime serve --config CONFIG} in the server namespace. */
    RuntimeProcess serve(String name, Path config) throws Exception {
        RuntimeProcess r = RuntimeProcess.serve(this, name, config);
        runtimes.add(r);
        return r;
    }

    BootResult boot(String name, String firmware, String mac, Duration timeout, String marker, String... deadEnds)
            throws Exception {
        return boot(name, firmware, mac, timeout, marker, List.of(), List.of(), deadEnds);
    }

    /**
     * Boots one qemu machine through {@code lab/qemu-boot.sh} and waits for {@code marker} (bounded by
     * {@code timeout}), with a server-side capture ({@code NAME.pcap}) running around it. The boot also ends as soon
     * as the serial output shows one of {@link #DEAD_ENDS} or {@code deadEnds} (other than the marker itself).
     * {@code qemuBootArgs} go to qemu-boot.sh (e.g. {@code --disk}, {@code --allow-reboot}); {@code captureFilter}
     * (BPF words, empty = lab_capture_start's default) keeps a long transfer's packets out of the capture.
     */
    BootResult boot(String name, String firmware, String mac, Duration timeout, String marker,
            List<String> qemuBootArgs, List<String> captureFilter, String... deadEnds) throws Exception {
        List<String> ends = new ArrayList<>(DEAD_ENDS);
        ends.addAll(List.of(deadEnds));
        ends.remove(marker);
        Path serial = file(name + ".serial.log");
        Path pcap = file(name + ".pcap");
        Path out = file(name + ".qemu-boot.log");
        StringBuilder filter = new StringBuilder();
        for (String w : captureFilter) {
            filter.append(" '").append(w).append('\'');
        }
        LabService capture = LabService.start(this, name + "-capture", "LAB_CAP_SNAPLEN=300 lab_capture_start "
                + prefix + " " + pcap + filter, "lab_capture_stop " + pcap);
        long started = System.nanoTime();
        String deadEnd = null;
        int rc;
        try {
            List<String> cmd = new ArrayList<>(List.of("bash", lab("qemu-boot.sh"), "--prefix", prefix, "--firmware",
                    firmware, "--mac", mac, "--timeout", Long.toString(timeout.toSeconds()), "--serial-log",
                    serial.toString(), "--marker", marker));
            cmd.addAll(qemuBootArgs);
            Process q = track(Procs.start(cmd, env(), out));
            long deadline = started + timeout.plusSeconds(30).toNanos(); // qemu-boot.sh has its own timeout
            while (q.isAlive() && System.nanoTime() < deadline && deadEnd == null) {
                Thread.sleep(200);
                String text = Procs.read(serial);
                deadEnd = ends.stream().filter(text::contains).findFirst().orElse(null);
            }
            if (deadEnd != null) {
                Thread.sleep(1000); // a last second of serial output for the diagnosis
            }
            Procs.stop(q, Duration.ofSeconds(10)); // SIGTERM: qemu-boot.sh kills and reaps qemu
            rc = q.exitValue();
        } finally {
            capture.stop();
        }
        Matcher m = RESULT.matcher(Procs.read(out));
        boolean seen = false;
        double elapsed = (System.nanoTime() - started) / 1e9;
        while (m.find()) {
            seen = m.group(1).equals("yes");
            elapsed = Double.parseDouble(m.group(2));
        }
        String timeline = Timeline.build(this, pcap, serial, runtimes.stream().map(r -> r.log).toList());
        Files.writeString(file(name + ".timeline.txt"), timeline);
        BootResult b = new BootResult(name, rc, seen, elapsed, serial, pcap, timeline, deadEnd);
        boots.add(b);
        System.out.printf("e2e %s (%s, %s): boot %s%n", prefix, firmware, mac, b.summary());
        return b;
    }

    /** What one qemu boot left behind. */
    record BootResult(String name, int exitCode, boolean markerSeen, double elapsed, Path serialLog, Path pcap,
            String timeline, String deadEnd) {
        String serial() throws IOException {
            return Procs.read(serialLog);
        }

        /** The kernel command line as printed by /init ({@code PXE-REIMAGE-CMDLINE: ...}), or "" when absent. */
        String cmdline() throws IOException {
            return serial().lines().filter(l -> l.contains("PXE-REIMAGE-CMDLINE: ")).findFirst()
                    .map(l -> l.substring(l.indexOf("PXE-REIMAGE-CMDLINE: ") + 21).strip()).orElse("");
        }

        String summary() {
            return String.format(Locale.ROOT, "%s: exit %d, marker %s, %.1f s%s", name, exitCode, markerSeen, elapsed,
                    deadEnd == null ? "" : ", stopped at dead end '" + deadEnd + "'");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
