package io.pxereimage.agent;

import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import io.pxereimage.agent.multicast.BlockBitmap;
import io.pxereimage.protocol.Job;

/**
 * The agent's multicast deploy path ({@link MulticastDeploy}) for one deploy-image job, onto a file that stands in
 * for the disk: for tests and the benchmark, without target resolution or first-boot data.
 *
 * <pre>
 * java -cp deploy-agent.jar io.pxereimage.agent.MulticastFileDeploy --job JOB.json --out FILE --state-dir DIR
 *      --iface IF [--loss FRACTION] [--leave-loss FRACTION] [--silence SECONDS] [--checkpoint-ms MS]
 * java -cp deploy-agent.jar io.pxereimage.agent.MulticastFileDeploy --job JOB.json --out FILE --state-dir DIR --state
 * </pre>
 * The first prints {@code RESULT outcome=.. verified=true|false multicast_bytes=.. http_bytes=.. resumed_bytes=..
 * http_ranges=a-b,..} and exits 0 when the file holds the verified image; the second prints the saved bitmap as
 * {@code STATE bytes=.. ranges=a-b,..} (byte ranges on disk).
 */
public final class MulticastFileDeploy {
    private MulticastFileDeploy() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--state")) {
                o.put("--state", "true");
            } else if (i + 1 < args.length) {
                o.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("missing value after " + args[i]);
            }
        }
        Job.DeployImage job = Json.MAPPER.readValue(Files.readString(Path.of(o.get("--job"))), Job.DeployImage.class);
        Path out = Path.of(o.get("--out"));
        Path stateDir = Path.of(o.get("--state-dir"));
        if (o.containsKey("--state")) {
            printState(job, out, stateDir);
            return;
        }
        AgentConfig config = new AgentConfig().stateDir(stateDir).multicastInterface(o.get("--iface"))
                .multicastTestLoss(Double.parseDouble(o.getOrDefault("--loss", "0")))
                .multicastLeaveLoss(Double.parseDouble(o.getOrDefault("--leave-loss", "0.25")))
                .multicastSilence(Duration.ofSeconds(Long.parseLong(o.getOrDefault("--silence", "10"))))
                .checkpointInterval(Duration.ofMillis(Long.parseLong(o.getOrDefault("--checkpoint-ms", "1000"))))
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
        long start = System.nanoTime();
        MulticastDeploy.Summary s;
        boolean verified;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            s = new MulticastDeploy(config, HttpClient.newHttpClient(), new JobContext(job.id(), null))
                    .write(ch, out, job.image(), job.multicast());
            // write() returns only with an image its own (incremental) check verified, else it throws: no second
            // read-back here, which the agent does not pay either (the benchmark times this main)
            verified = !s.fellBack();
        }
        StringJoiner ranges = new StringJoiner(",");
        s.httpRanges().forEach(r -> ranges.add(r[0] + "-" + r[1]));
        System.out.printf("RESULT outcome=%s verified=%s fell_back=%s multicast_bytes=%d http_bytes=%d"
                + " resumed_bytes=%d seconds=%.3f cpu_seconds=%.3f http_ranges=%s%n", s.outcome(), verified,
                s.fellBack(), s.multicastBytes(), s.httpBytes(), s.resumedBytes(), (System.nanoTime() - start) / 1e9,
                ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0),
                ranges.length() == 0 ? "none" : ranges);
        System.out.println("THREADS " + threadCpu());
        System.out.flush();
        System.exit(verified ? 0 : 1);
    }

    /** CPU seconds per thread name (JIT compilers included), from /proc: where a receiver's CPU went. */
    private static String threadCpu() {
        Map<String, Double> cpu = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+$", "");
                    cpu.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0, Double::sum);
                } catch (java.io.IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return "unknown";
        }
        StringJoiner j = new StringJoiner(" ");
        cpu.forEach((k, v) -> {
            if (v > 0) {
                j.add(k.replace(' ', '_') + "=" + v);
            }
        });
        return j.toString();
    }

    private static void printState(Job.DeployImage job, Path out, Path stateDir) throws Exception {
        Path file = MulticastDeploy.stateFile(stateDir, out, job.image().sha256());
        BlockBitmap b = BlockBitmap.load(file, HexFormat.of().parseHex(job.image().sha256()),
                job.image().sizeBytes()).orElse(null);
        StringJoiner ranges = new StringJoiner(",");
        long bytes = 0;
        if (b != null) {
            java.util.BitSet bits = b.snapshot();
            for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(bits.nextClearBit(i))) {
                int e = bits.nextClearBit(i);
                ranges.add(b.start(i) + "-" + b.end(e - 1));
                bytes += b.end(e - 1) - b.start(i);
            }
        }
        System.out.println("STATE bytes=" + bytes + " ranges=" + (ranges.length() == 0 ? "none" : ranges));
    }
}
