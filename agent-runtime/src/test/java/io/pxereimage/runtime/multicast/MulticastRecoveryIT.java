package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.pxe.NetLab;

/**
 * Receivers that do not get the whole image by multicast finish over HTTP Range and verify: a receiver killed and
 * restarted mid-session resumes from its saved bitmap, a late joiner takes what it missed, a receiver that loses
 * too much leaves (LEAVE LOSSY) or is told to (LEAVE TOO_SLOW). The receivers run the agent's multicast deploy path
 * ({@code io.pxereimage.agent.MulticastFileDeploy}, a file standing in for the disk); the image is served by the
 * runtime's {@code HttpServer} ({@link ImageServerMain}) in the sender's namespace. Namespaces {@code pxq-*},
 * 10.231.101.0/24. Build first: {@code mvn -o -q -DskipTests install}.
 */
class MulticastRecoveryIT {
    private static final String SUBNET = "10.231.101.";
    private static final String GROUP = "239.231.101.1";
    private static final String DATA_GROUP = "239.231.101.2";
    private static final int CONTROL_PORT = 9410;
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @BeforeAll
    static void prerequisites() {
        MulticastDistributionIT.prerequisites();
    }

    /** A receiver: its namespace, job (with its multicast token) and the files it writes. */
    record Receiver(String role, String ns, long id, Path token, Path job, Path out, Path state, Path log) {
    }

    /** The sender's namespace with the image served over HTTP, and receivers on the same bridge. */
    private static final class Session implements AutoCloseable {
        final NetLab lab;
        final Path image;
        final byte[] sha;
        final long size;
        final String snd;
        final List<Receiver> receivers = new ArrayList<>();

        Session(String tag, int size) throws Exception {
            lab = new NetLab("pxq", tag);
            try {
                this.size = size;
                snd = lab.host("snd", null, SUBNET + "1/24");
                MulticastDistributionIT.route(lab, snd);
                image = lab.dir.resolve("image.bin");
                byte[] bytes = new byte[size];
                new Random(42).nextBytes(bytes);
                Files.write(image, bytes);
                sha = MessageDigest.getInstance("SHA-256").digest(bytes);
                Path log = lab.dir.resolve("http.log");
                lab.start(snd, log, JAVA, "-cp", System.getProperty("java.class.path"),
                        ImageServerMain.class.getName(), "--bind", SUBNET + "1", "--port", "8080", "--image",
                        image.toString());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.readString(log, StandardCharsets.UTF_8).contains("READY")) {
                    assertThat(System.nanoTime()).as("image server: %s", Files.readString(log)).isLessThan(deadline);
                    Thread.sleep(100);
                }
            } catch (Exception | AssertionError e) {
                lab.close();
                throw e;
            }
        }

        Receiver receiver(int n, int announceWaitSeconds) throws Exception {
            String role = "r" + n;
            String ns = lab.host(role, null, SUBNET + (10 + n) + "/24");
            MulticastDistributionIT.route(lab, ns);
            byte[] key = new byte[16];
            new SecureRandom().nextBytes(key);
            Path token = Files.write(lab.dir.resolve(role + ".token"), key); // the sender's tokens entry
            long id = 1000 + n;
            Job.DeployImage job = new Job.DeployImage("j-" + role, new Job.ImageRef("it",
                    "http://" + SUBNET + "1:8080/files/image.bin", HexFormat.of().formatHex(sha), size, "none", null),
                    Job.Target.device("/dev/null"), null, new Job.Multicast(GROUP, CONTROL_PORT, id,
                            HexFormat.of().formatHex(key), announceWaitSeconds));
            Path jobFile = Files.writeString(lab.dir.resolve(role + ".job.json"),
                    new ObjectMapper().writeValueAsString(job));
            Receiver r = new Receiver(role, ns, id, token, jobFile, lab.dir.resolve(role + ".img"),
                    lab.dir.resolve(role + "-state"), lab.dir.resolve(role + ".log"));
            receivers.add(r);
            return r;
        }

        /** Starts the agent's multicast deploy path for {@code r}; {@code extra}: --loss, --leave-loss... */
        Process start(Receiver r, String... extra) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(JAVA, "-cp",
                    MulticastDistributionIT.AGENT_JAR.toAbsolutePath().toString(),
                    "io.pxereimage.agent.MulticastFileDeploy", "--job", r.job().toString(), "--out",
                    r.out().toString(), "--state-dir", r.state().toString(), "--iface", "eth0", "--checkpoint-ms",
                    "200"));
            cmd.addAll(List.of(extra));
            Files.deleteIfExists(r.log());
            return lab.start(r.ns(), r.log(), cmd.toArray(String[]::new));
        }

        /** The sender, in the background, expecting every receiver created so far; {@code extra}: SenderMain options. */
        CompletableFuture<NetLab.Result> send(long rate, String... extra) {
            StringBuilder tokens = new StringBuilder();
            for (Receiver r : receivers) {
                tokens.append(tokens.length() == 0 ? "" : ",").append(r.id()).append(':').append(r.token());
            }
            List<String> cmd = new ArrayList<>(List.of(JAVA, "-cp", System.getProperty("java.class.path"),
                    SenderMain.class.getName(), "--image", image.toString(), "--sha256", HexFormat.of().formatHex(sha),
                    "--iface", "eth0", "--group", GROUP, "--port", Integer.toString(CONTROL_PORT), "--data-group",
                    DATA_GROUP, "--data-port", Integer.toString(CONTROL_PORT + 1), "--rate", Long.toString(rate),
                    "--receivers", tokens.toString()));
            cmd.addAll(List.of(extra));
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return lab.exec(snd, Duration.ofSeconds(120), cmd.toArray(String[]::new));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        /** Waits for a receiver's exit; its RESULT line, after checking it verified and its file is the image. */
        Map<String, String> finished(Receiver r, Process p) throws Exception {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("%s exits", r.role()).isTrue();
            String out = Files.readString(r.log(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("%s: %s", r.role(), out).isZero();
            Map<String, String> result = MulticastDistributionIT.fields(out, "RESULT");
            System.out.println(r.role() + ": " + result);
            assertThat(result.get("verified")).isEqualTo("true");
            assertThat(MulticastDistributionIT.sha256(r.out())).as("%s's output", r.role()).isEqualTo(sha);
            return result;
        }

        /** The byte ranges a receiver's saved bitmap says are on its disk. */
        List<long[]> saved(Receiver r) throws Exception {
            NetLab.Result s = lab.exec(r.ns(), Duration.ofSeconds(30), JAVA, "-cp",
                    MulticastDistributionIT.AGENT_JAR.toAbsolutePath().toString(),
                    "io.pxereimage.agent.MulticastFileDeploy", "--job", r.job().toString(), "--out",
                    r.out().toString(), "--state-dir", r.state().toString(), "--state");
            assertThat(s.exit()).as(s.output()).isZero();
            return ranges(MulticastDistributionIT.fields(s.output(), "STATE").get("ranges"));
        }

        @Override
        public void close() {
            lab.close();
        }
    }

    /** Waits until the receiver's saved bitmap names a block at or past {@code block} (its length grows with it). */
    private static void awaitSavedProgress(Receiver r, int block) throws Exception {
        Path dir = r.state().resolve("multicast");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            long size = 0;
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    size = files.filter(f -> f.toString().endsWith(".bitmap")).mapToLong(f -> f.toFile().length())
                            .max().orElse(0);
                }
            }
            if (size >= 53 + block / 8) { // header 53 bytes, then the bitmap up to its highest set bit
                return;
            }
            assertThat(System.nanoTime()).as("%s saves progress", r.role()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static List<long[]> ranges(String list) {
        List<long[]> out = new ArrayList<>();
        if (!list.equals("none")) {
            for (String r : list.split(",")) {
                String[] se = r.split("-");
                out.add(new long[] {Long.parseLong(se[0]), Long.parseLong(se[1])});
            }
        }
        return out;
    }

    private static long bytes(List<long[]> ranges) {
        return ranges.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    @Test
    void receiverRestartedMidSessionFinishesThroughHttpRangeWithoutRestartingFromZero() throws Exception {
        try (Session s = new Session("rs", 32 << 20)) {
            Receiver steady = s.receiver(1, 10);
            Receiver victim = s.receiver(2, 3);
            Process p1 = s.start(steady);
            Process p2 = s.start(victim);
            Thread.sleep(1500); // both listening
            CompletableFuture<NetLab.Result> sender = s.send(8L << 20); // 32 MiB at 8 MiB/s: ~4 s
            awaitSavedProgress(victim, 4096); // ~6 MiB: the kill comes mid-session, also on a loaded machine
            p2.descendants().forEach(ProcessHandle::destroyForcibly);
            p2.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no goodbye, no last checkpoint
            List<long[]> before = s.saved(victim);
            long had = bytes(before);
            System.out.println("killed receiver had " + had + " bytes on disk per its saved bitmap");
            assertThat(had).as("the killed receiver had saved progress").isPositive().isLessThan(s.size);
            Map<String, String> r2 = s.finished(victim, s.start(victim));
            long http = Long.parseLong(r2.get("http_bytes"));
            assertThat(Long.parseLong(r2.get("resumed_bytes"))).isEqualTo(had);
            assertThat(http).as("fetched over HTTP").isPositive().isLessThan(s.size);
            assertThat(http).isLessThanOrEqualTo(s.size - had);
            for (long[] fetched : ranges(r2.get("http_ranges"))) {
                for (long[] kept : before) {
                    assertThat(fetched[1] <= kept[0] || fetched[0] >= kept[1])
                            .as("HTTP range %d-%d fetches again what the disk had (%d-%d)", fetched[0], fetched[1],
                                    kept[0], kept[1])
                            .isTrue();
                }
            }
            s.finished(steady, p1);
            NetLab.Result snd = sender.get(120, TimeUnit.SECONDS);
            assertThat(snd.exit()).as("sender: %s", snd.output()).isZero();
            System.out.println("sender: " + MulticastDistributionIT.fields(snd.output(), "REPORT"));
        }
    }

    @Test
    void receiverThatLosesTooMuchLeavesAndFinishesOverHttp() throws Exception {
        Map<String, String> sender = leavesAndFinishesOverHttp("rl", new String[] {"--loss", "0.4", "--leave-loss",
                "0.2"}, new String[0], "LEFT", "left the session (LEAVE LOSSY)");
        assertThat(sender.get("left")).isEqualTo("1");
    }

    @Test
    void receiverToldToLeaveBySenderFinishesOverHttp() throws Exception {
        // the receiver would stay (no loss threshold); the sender evicts it above 15 % smoothed loss
        Map<String, String> sender = leavesAndFinishesOverHttp("re", new String[] {"--loss", "0.3", "--leave-loss",
                "0"}, new String[] {"--evict-loss", "0.15"}, "TOLD_TO_LEAVE", "the sender sent LEAVE TOO_SLOW");
        assertThat(sender.get("evicted")).isEqualTo("1");
    }

    /** Receiver 2 (with {@code receiverOptions}) leaves or is told to; returns the sender's report. */
    private static Map<String, String> leavesAndFinishesOverHttp(String tag, String[] receiverOptions,
            String[] senderOptions, String outcome, String logged) throws Exception {
        try (Session s = new Session(tag, 24 << 20)) {
            Receiver steady = s.receiver(1, 10);
            Receiver lossy = s.receiver(2, 10);
            Process p1 = s.start(steady);
            Process p2 = s.start(lossy, receiverOptions);
            Thread.sleep(1500);
            CompletableFuture<NetLab.Result> sender = s.send(16L << 20, senderOptions);
            Map<String, String> r2 = s.finished(lossy, p2);
            assertThat(r2.get("outcome")).isEqualTo(outcome);
            assertThat(Files.readString(lossy.log())).contains(logged);
            long http = Long.parseLong(r2.get("http_bytes"));
            assertThat(http).isPositive();
            assertThat(Long.parseLong(r2.get("multicast_bytes")) + http).isEqualTo(s.size);
            Map<String, String> r1 = s.finished(steady, p1);
            assertThat(r1.get("outcome")).isEqualTo("VERIFIED");
            assertThat(r1.get("http_bytes")).isEqualTo("0");
            NetLab.Result snd = sender.get(120, TimeUnit.SECONDS);
            assertThat(snd.exit()).as("sender: %s", snd.output()).isZero();
            Map<String, String> report = MulticastDistributionIT.fields(snd.output(), "REPORT");
            System.out.println("sender: " + report);
            return report;
        }
    }

    @Test
    void lateJoinerTakesWhatItMissedOverHttp() throws Exception {
        try (Session s = new Session("rj", 32 << 20)) {
            Receiver early = s.receiver(1, 10);
            Receiver late = s.receiver(2, 10);
            Process p1 = s.start(early);
            Thread.sleep(1500);
            // the session starts with receiver 1 alone; receiver 2 starts 1.5 s into the ~4 s transfer
            CompletableFuture<NetLab.Result> sender = s.send(8L << 20, "--min-receivers", "1", "--max-wait", "2");
            Thread.sleep(2000 + 1500);
            Map<String, String> r2 = s.finished(late, s.start(late));
            assertThat(r2.get("outcome")).isEqualTo("INCOMPLETE");
            long http = Long.parseLong(r2.get("http_bytes"));
            long mc = Long.parseLong(r2.get("multicast_bytes"));
            assertThat(http).as("what went out before it joined").isPositive();
            assertThat(mc).as("the rest by multicast").isPositive();
            assertThat(http + mc).isEqualTo(s.size);
            s.finished(early, p1);
            NetLab.Result snd = sender.get(120, TimeUnit.SECONDS);
            assertThat(snd.exit()).as("sender: %s", snd.output()).isZero();
            System.out.println("sender: " + MulticastDistributionIT.fields(snd.output(), "REPORT"));
        }
    }

    /**
     * A receiver behind a switch port that forwards no multicast (what an IGMP-snooping switch without a querier
     * does once memberships age out; here the bridge port's {@code mcast_flood off}, unicast untouched) hears no
     * ANNOUNCE, gives up after its wait and falls back to unicast by itself, saying why; the other receiver gets the
     * image by multicast.
     */
    @Test
    void receiverThatHearsNoMulticastFallsBackToUnicastAndSaysWhy() throws Exception {
        try (Session s = new Session("rf", 8 << 20)) {
            Receiver open = s.receiver(1, 10);
            Receiver blocked = s.receiver(2, 3);
            s.lab.sh("ip", "-n", s.lab.ns("sw"), "link", "set", "p-" + blocked.role(), "type", "bridge_slave",
                    "mcast_flood", "off");
            Process p1 = s.start(open);
            Process p2 = s.start(blocked);
            Thread.sleep(1500);
            CompletableFuture<NetLab.Result> sender = s.send(8L << 20, "--min-receivers", "1", "--max-wait", "2");
            assertThat(p2.waitFor(60, TimeUnit.SECONDS)).as("blocked receiver gives up").isTrue();
            String out = Files.readString(blocked.log(), StandardCharsets.UTF_8);
            Map<String, String> r2 = MulticastDistributionIT.fields(out, "RESULT");
            assertThat(r2.get("fell_back")).as(out).isEqualTo("true");
            assertThat(r2.get("multicast_bytes")).isEqualTo("0");
            assertThat(out).contains("no multicast announce of the image within")
                    .contains("(IGMP snooping without a querier?): unicast");
            assertThat(s.finished(open, p1).get("outcome")).isEqualTo("VERIFIED");
            NetLab.Result snd = sender.get(120, TimeUnit.SECONDS);
            assertThat(snd.exit()).as("sender: %s", snd.output()).isZero();
        }
    }
}
