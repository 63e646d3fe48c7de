package io.pxereimage.runtime.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes for the end-to-end tier: always bounded in time, always reaped (PID 1 here reaps nothing). */
final class Procs {
    private Procs() {
    }

    /** Starts {@code command} with stdout and stderr appended to {@code log}. */
    static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Runs {@code command} to completion (output appended to {@code log}) and returns its exit code; a command that
     * outlives {@code limit} is stopped and reported as an {@link AssertionError} naming the log.
     */
    static int run(List<String> command, Map<String, String> env, Path log, Duration limit) throws IOException,
            InterruptedException {
        Process p = start(command, env, log);
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            stop(p, Duration.ofSeconds(10));
            throw new AssertionError("timed out after " + limit.toSeconds() + " s: " + command + " (log " + log + ")");
        }
        return p.exitValue();
    }

    /** Runs a command that must succeed. */
    static void runOk(List<String> command, Map<String, String> env, Path log, Duration limit) throws IOException,
            InterruptedException {
        int rc = run(command, env, log, limit);
        if (rc != 0) {
            throw new AssertionError("exit " + rc + ": " + command + "\n" + tail(log, 20));
        }
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL; always reaps. Safe on dead or null processes. */
    static void stop(Process p, Duration grace) throws InterruptedException {
        if (p == null) {
            return;
        }
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        }
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** A condition that may call the runtime (and so throw). */
    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code c} every 500 ms until it holds; an AssertionError naming {@code what} after {@code limit}. */
    static void await(Check c, Duration limit, String what) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!c.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not within " + limit);
            }
            Thread.sleep(500);
        }
    }

    /** Polls {@code file} until it contains {@code needle}; false when {@code p} died or the time ran out. */
    static boolean awaitText(Path file, String needle, Process p, Duration limit) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (read(file).contains(needle)) {
                return true;
            }
            if (!p.isAlive()) {
                return read(file).contains(needle);
            }
            Thread.sleep(100);
        }
        return false;
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
    }

    static String tail(Path file, int lines) throws IOException {
        List<String> all = read(file).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
