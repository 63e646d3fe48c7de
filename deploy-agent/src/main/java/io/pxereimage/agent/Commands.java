package io.pxereimage.agent;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs external programs with a time limit; output comes back as lines (never interleaved mid-line). */
final class Commands {
    /** Where sbin tools live even when the initramfs sets no PATH. */
    private static final String EXTRA_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private Commands() {
    }

    /** Absolute path of {@code program} (as given if it contains a slash), or null if it is not there. */
    static String find(String program) {
        if (program == null || program.isEmpty()) {
            return null;
        }
        if (program.contains("/")) {
            return new File(program).canExecute() ? program : null;
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":" + EXTRA_PATH;
        for (String dir : path.split(":")) {
            File f = new File(dir, program);
            if (!dir.isEmpty() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** Runs to completion and collects its output; {@code stdin} may be null. */
    static Result capture(List<String> command, String stdin, Duration timeout, Map<String, String> env)
            throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        int code = stream(command, stdin, timeout, env, l -> out.append(l).append('\n'),
                l -> err.append(l).append('\n'));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs {@code command}, feeding each output line to the sinks; throws if it outlives {@code timeout}. */
    static int stream(List<String> command, String stdin, Duration timeout, Map<String, String> env,
            Consumer<String> stdoutLines, Consumer<String> stderrLines) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        String exe = find(cmd.get(0));
        if (exe == null) {
            throw new IOException("program not found: " + cmd.get(0));
        }
        cmd.set(0, exe);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().merge("PATH", EXTRA_PATH, (a, b) -> a + ":" + b);
        if (env != null) {
            pb.environment().putAll(env);
        }
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        Thread o = pump(p.getInputStream(), stdoutLines, "stdout");
        Thread e = pump(p.getErrorStream(), stderrLines, "stderr");
        if (stdin != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(cmd.get(0) + " did not finish within " + timeout.toSeconds() + " s (killed)");
            }
        } catch (InterruptedException ie) {
            p.destroyForcibly();
            throw ie;
        }
        o.join(2000);
        e.join(2000);
        return p.exitValue();
    }

    private static Thread pump(InputStream in, Consumer<String> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        }, "cmd-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
