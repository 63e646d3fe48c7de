package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.pxe.NetLab;
import io.pxereimage.runtime.testing.Prerequisites;

/**
 * The multicast sender (this JVM's classes, in a child JVM) and the deploy agent's receiver (the shaded
 * {@code deploy-agent.jar}) in network namespaces on one bridge, with netem loss on the bridge ports towards the
 * receivers. Build first: {@code mvn -o -q -DskipTests install}.
 */
class MulticastDistributionIT {
    static final Path AGENT_JAR = Path.of("..", "deploy-agent", "target", "deploy-agent.jar");
    private static final String GROUP = "239.231.74.1";
    private static final String DATA_GROUP = "239.231.74.2";

    @BeforeAll
    static void prerequisites() {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "tc");
        Prerequisites.requireFiles(AGENT_JAR.toString());
    }

    /** What the sender and each receiver printed. */
    record Run(Map<String, String> sender, List<Map<String, String>> receivers, byte[] sha256, List<Path> outputs,
            String outcomes) {
    }

    @Test
    void fourReceiversWithFivePercentLossEndBitIdentical() throws Exception {
        try (NetLab lab = new NetLab("pxc", "mc")) {
            Run run = transfer(lab, 4, 64 << 20, "5%", new int[4], 80L << 20, false);
            assertThat(run.sender().get("verified")).isEqualTo("4");
            assertThat(Long.parseLong(run.sender().get("repair"))).isPositive();
            for (int i = 0; i < 4; i++) {
                assertThat(run.receivers().get(i).get("verified")).isEqualTo("true");
                assertThat(sha256(run.outputs().get(i))).isEqualTo(run.sha256());
            }
            System.out.println("4 receivers, 5% loss, 64 MiB: " + run.sender());
        }
    }

    @Test
    void receiverThatDropsEveryseventhPacketIsRepaired() throws Exception {
        try (NetLab lab = new NetLab("pxc", "mr")) {
            Run run = transfer(lab, 2, 8 << 20, null, new int[] {7, 0}, 0, false);
            assertThat(Long.parseLong(run.receivers().get(0).get("injected_drops"))).isPositive();
            assertThat(Long.parseLong(run.sender().get("repair"))).isGreaterThanOrEqualTo(8L * 1024 * 1024 / 1436 / 7);
            for (int i = 0; i < 2; i++) {
                assertThat(run.receivers().get(i).get("verified")).isEqualTo("true");
                assertThat(sha256(run.outputs().get(i))).isEqualTo(run.sha256());
            }
        }
    }

    @Test
    void packetsOfAnotherSessionAreCountedAndNeverWritten() throws Exception {
        try (NetLab lab = new NetLab("pxc", "mf")) {
            Run run = transfer(lab, 2, 8 << 20, null, new int[2], 40L << 20, true);
            for (int i = 0; i < 2; i++) {
                assertThat(Long.parseLong(run.receivers().get(i).get("foreign"))).isPositive();
                assertThat(run.receivers().get(i).get("verified")).isEqualTo("true");
                assertThat(sha256(run.outputs().get(i))).isEqualTo(run.sha256());
                byte[] out = Files.readAllBytes(run.outputs().get(i));
                assertThat(indexOfRun(out, (byte) 0xEE, 64)).isEqualTo(-1);
            }
        }
    }

    @Test
    void receiverWithAWrongTokenIsNotAdmitted() throws Exception {
        try (NetLab lab = new NetLab("pxc", "mt")) {
            Run run = transfer(lab, 2, 4 << 20, null, new int[2], 0, false, true, -1, 0);
            assertThat(Long.parseLong(run.sender().get("rejected"))).isPositive();
            assertThat(run.sender().get("receivers")).isEqualTo("2");
            assertThat(run.sender().get("verified")).isEqualTo("2");
            String impostor = Files.readString(lab.dir.resolve("rx.log"), StandardCharsets.UTF_8);
            assertThat(impostor).contains("registering").doesNotContain("admitted");
        }
    }

    @Test
    void receiverKilledMidSessionDoesNotStallTheOthers() throws Exception {
        try (NetLab lab = new NetLab("pxc", "mk")) {
            // 32 MiB at 8 MiB/s: about 4 s; receiver 2 dies after 1.5 s; the phase timeout is 5 s
            Run run = transfer(lab, 3, 32 << 20, null, new int[3], 8L << 20, false, false, 1, 1500);
            assertThat(run.sender().get("receivers")).isEqualTo("3");
            assertThat(run.sender().get("verified")).isEqualTo("2");
            assertThat(run.outcomes()).contains("silent for PT5S");
            // transfer ~4 s + the 5 s phase timeout; the rest is slack for a loaded 2-vCPU VM
            assertThat(Double.parseDouble(run.sender().get("seconds"))).isLessThan(4 + 5 + 7);
            for (int i : new int[] {0, 2}) {
                assertThat(run.receivers().get(i).get("verified")).isEqualTo("true");
                assertThat(sha256(run.outputs().get(i))).isEqualTo(run.sha256());
            }
            System.out.println("killed receiver: " + run.sender() + " " + run.outcomes());
        }
    }

    private static Run transfer(NetLab lab, int n, int size, String loss, int[] dropEvery, long rate, boolean rogue)
            throws Exception {
        return transfer(lab, n, size, loss, dropEvery, rate, rogue, false, -1, 0);
    }

    /**
     * {@code impostor}: one more receiver claims receiver 1's id with a token of its own, before the real one.
     * {@code kill}: the receiver (0-based) killed {@code killAfterMs} after it was admitted (-1: none).
     */
    private static Run transfer(NetLab lab, int n, int size, String loss, int[] dropEvery, long rate, boolean rogue,
            boolean impostor, int kill, long killAfterMs) throws Exception {
        String subnet = "10.231.74.";
        String snd = lab.host("snd", null, subnet + "1/24");
        route(lab, snd);
        Path image = lab.dir.resolve("image.bin");
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        Files.write(image, bytes);
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(bytes);
        String hex = HexFormat.of().formatHex(sha);
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        StringBuilder receivers = new StringBuilder();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (impostor) { // stopped by the lab's close
            String ns = lab.host("rx", null, subnet + "99/24");
            route(lab, ns);
            Path token = lab.dir.resolve("rx.token");
            Files.writeString(token, "not-the-job-token");
            lab.start(ns, lab.dir.resolve("rx.log"), java, "-cp", AGENT_JAR.toAbsolutePath().toString(),
                    "io.pxereimage.agent.multicast.MulticastReceiver", "--group", GROUP, "--port", "9310",
                    "--iface", "eth0", "--id", "1000", "--token-file", token.toString(), "--sha256", hex,
                    "--out", lab.dir.resolve("rx.img").toString(), "--timeout", "60");
            Thread.sleep(1000); // listening before the real receivers start
        }
        for (int i = 0; i < n; i++) {
            String role = "r" + (i + 1);
            String ns = lab.host(role, null, subnet + (11 + i) + "/24");
            route(lab, ns);
            String appLoss = "0";
            if (loss != null && !netem(lab, "p-" + role, loss)) {
                appLoss = Double.toString(Double.parseDouble(loss.replace("%", "")) / 100);
            }
            Path token = lab.dir.resolve(role + ".token");
            Files.writeString(token, "job-token-" + role + "-" + System.nanoTime());
            long id = 1000 + i;
            receivers.append(receivers.length() == 0 ? "" : ",").append(id).append(':').append(token);
            Path out = lab.dir.resolve(role + ".img");
            Path log = lab.dir.resolve(role + ".log");
            outputs.add(out);
            logs.add(log);
            procs.add(lab.start(ns, log, java, "-cp", AGENT_JAR.toAbsolutePath().toString(),
                    "io.pxereimage.agent.multicast.MulticastReceiver", "--group", GROUP, "--port", "9310",
                    "--iface", "eth0", "--id", Long.toString(id), "--token-file", token.toString(), "--sha256", hex,
                    "--out", out.toString(), "--timeout", "120", "--drop-every", Integer.toString(dropEvery[i]), "--loss", appLoss));
        }
        Thread killer = null;
        if (kill >= 0) {
            Process victim = procs.get(kill);
            Path victimLog = logs.get(kill);
            killer = new Thread(() -> {
                try {
                    // from its admission on (on a loaded machine the sender's JVM may take seconds to start)
                    long until = System.nanoTime() + 60_000_000_000L;
                    while (System.nanoTime() < until && !(Files.exists(victimLog)
                            && Files.readString(victimLog, StandardCharsets.UTF_8).contains("admitted"))) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(killAfterMs);
                } catch (InterruptedException | IOException e) {
                    return;
                }
                victim.descendants().forEach(ProcessHandle::destroyForcibly);
                victim.destroyForcibly();
            });
            killer.start();
        }
        NetLab.Result s = lab.exec(snd, Duration.ofSeconds(150), java, "-cp", System.getProperty("java.class.path"),
                SenderMain.class.getName(), "--image", image.toString(), "--sha256", hex, "--iface", "eth0",
                "--group", GROUP, "--port", "9310", "--data-group", DATA_GROUP, "--data-port", "9311",
                "--rate", Long.toString(rate), "--receivers", receivers.toString(), "--rogue",
                Boolean.toString(rogue));
        assertThat(s.exit()).as("sender: %s", s.output()).isZero();
        Map<String, String> report = fields(s.output(), "REPORT");
        List<Map<String, String>> results = new ArrayList<>();
        if (killer != null) {
            killer.join();
        }
        for (int i = 0; i < n; i++) {
            if (i == kill) {
                results.add(Map.of());
                continue;
            }
            assertThat(procs.get(i).waitFor(30, TimeUnit.SECONDS)).as("receiver %d exits", i + 1).isTrue();
            String out = Files.readString(logs.get(i), StandardCharsets.UTF_8);
            assertThat(procs.get(i).exitValue()).as("receiver %d: %s", i + 1, out).isZero();
            results.add(fields(out, "RESULT"));
            System.out.println("receiver " + (i + 1) + ": " + results.get(i));
        }
        Matcher outcomes = Pattern.compile("(?m)^OUTCOMES (.*)$").matcher(s.output());
        return new Run(report, results, sha, outputs, outcomes.find() ? outcomes.group(1) : "");
    }

    /**
     * netem loss on the bridge port towards a receiver; false where the kernel has no netem (CONFIG_NET_SCH_NETEM
     * unset, as on the CI VM's kernel): the receiver then drops the same fraction itself, both ways.
     */
    private static boolean netem(NetLab lab, String port, String loss) throws IOException {
        NetLab.Result r = lab.exec(lab.ns("sw"), Duration.ofSeconds(10), "tc", "qdisc", "add", "dev", port, "root",
                "netem", "loss", loss);
        if (r.exit() == 0) {
            return true;
        }
        if (r.output().contains("qdisc kind is unknown")) {
            System.out.println("no netem in this kernel: " + loss + " loss injected in the receiver");
            return false;
        }
        throw new IOException("tc netem failed: " + r.output());
    }

    static void route(NetLab lab, String ns) throws IOException {
        lab.sh("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
    }

    static Map<String, String> fields(String output, String tag) {
        Matcher m = Pattern.compile("(?m)^" + tag + " (.*)$").matcher(output);
        assertThat(m.find()).as("%s line in: %s", tag, output).isTrue();
        Map<String, String> f = new LinkedHashMap<>();
        Matcher kv = Pattern.compile("(\\w+)=(\\S+)").matcher(m.group(1));
        while (kv.find()) {
            f.putIfAbsent(kv.group(1), kv.group(2));
        }
        return f;
    }

    static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    private static int indexOfRun(byte[] data, byte value, int length) {
        int run = 0;
        for (int i = 0; i < data.length; i++) {
            run = data[i] == value ? run + 1 : 0;
            if (run == length) {
                return i - length + 1;
            }
        }
        return -1;
    }
}
