package io.pxereimage.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/**
 * Not a test: "agent writing to a file from a local HTTP server" against {@code curl | dd} and the plain disk
 * limit. The agent runs as its own process (shaded jar, any java, e.g. a jlink'd JRE); the server is the test
 * FakeRuntime. Run through deploy-agent/bench/throughput.sh.
 *
 * <p>Args: workDir imageMiB agentJar java [compression none|zstd].
 */
public final class ThroughputBench {
    private ThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int mib = Integer.parseInt(args[1]);
        Path jar = Path.of(args[2]);
        String java = args[3];
        String compression = args.length > 4 ? args[4] : "none";
        long size = (long) mib * TestImages.MIB;
        Path image = work.resolve("bench.img");
        if (!Files.exists(image) || Files.size(image) != size) {
            // random first half, zero second half: realistic for zstd, irrelevant for raw
            TestImages.image(image, size, 7, size / 2, size);
        }
        String sha = TestImages.sha256(image);
        Path served = image;
        if (compression.equals("zstd")) {
            served = work.resolve("bench.img.zst");
            TestImages.run("zstd", "-q", "-f", "-T0", "-3", image.toString(), "-o", served.toString());
        }
        Path target = work.resolve("target.img");
        Files.deleteIfExists(target);
        TestImages.disk(target, size + 8L * TestImages.MIB, (byte) 0);
        Files.writeString(work.resolve("mounts"), "proc /proc proc rw 0 0\n");
        Files.createDirectories(work.resolve("sys"));
        try (FakeRuntime rt = new FakeRuntime("bench-token", "52:54:00:00:00:01")) {
            rt.images.put("bench", served);
            Files.writeString(work.resolve("cmdline"), "pxe.runtime=" + rt.url() + " pxe.token=bench-token pxe.mac="
                    + rt.mac + "\n");
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(List.of(System.getProperty("bench.jvmFlags", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx96m")
                    .trim().split("\\s+")));
            cmd.addAll(List.of("-jar", jar.toString(), "--cmdline", work.resolve("cmdline").toString(), "--mounts",
                    work.resolve("mounts").toString(), "--sys", work.resolve("sys").toString()));
            Process agent = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("agent.log").toFile()).start();
            try {
                Job job = new Job.DeployImage("j-bench", new Job.ImageRef("bench", rt.url() + "/images/bench", sha,
                        size, compression, null), Job.Target.device(target.toString()), null);
                while (rt.polls.get() == 0) {
                    Thread.sleep(20); // measure the deploy, not the JVM start
                }
                long t0 = System.nanoTime();
                rt.jobs.add(Json.MAPPER.writeValueAsString(job));
                JobResult r = rt.awaitResult("j-bench", 600_000);
                double secs = (System.nanoTime() - t0) / 1e9;
                long agentRate = rt.events("j-bench").stream().filter(e -> "progress".equals(e.kind()))
                        .mapToLong(AgentEvent::bytesPerSecond).max().orElse(0);
                System.out.printf("agent (%s %s, %s): %s in %.2f s = %.0f MB/s end to end (job queued -> verified result;"
                        + " peak progress rate %d MB/s)%n", java, System.getProperty("bench.jvmFlags", "default flags"), compression, r.status(), secs, size / secs / 1e6,
                        agentRate / 1_000_000);
            } finally {
                agent.destroy();
                agent.waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(target);
            if (compression.equals("none")) {
                time("curl | dd", "curl -s " + rt.url() + "/images/bench | dd of=" + target + " bs=4M conv=fsync"
                        + " status=none", size);
                Files.deleteIfExists(target);
                time("dd zero (limit)", "dd if=/dev/zero of=" + target + " bs=4M count=" + mib / 4
                        + " conv=fsync status=none", size);
                Files.deleteIfExists(target);
            }
        }
    }

    private static void time(String label, String shell, long size) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", shell).inheritIO().start();
        int code = p.waitFor();
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: exit %d in %.2f s = %.0f MB/s%n", label, code, secs, size / secs / 1e6);
    }
}
