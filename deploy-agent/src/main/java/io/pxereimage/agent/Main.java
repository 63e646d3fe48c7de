package io.pxereimage.agent;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * {@code java -jar deploy-agent.jar [--cmdline FILE] [--proc DIR] [--sys DIR] [--dev DIR] [--mounts FILE]
 * [--tool NAME=PATH]... [--reboot-command "CMD ARGS"] [--poweroff-command "CMD ARGS"]}. Runtime URL, boot token
 * and MAC come from the kernel command line ({@code pxe.runtime=}, {@code pxe.token=}, {@code pxe.mac=}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // HttpClient hands the body over in buffers of this size (default 16 KiB): bigger means fewer thread
        // hand-offs per MiB of image (measured: ~100 -> ~130 MB/s on loopback). Must be set before first use.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", String.valueOf(256 * 1024));
        }
        AgentConfig config;
        try {
            config = configure(args);
        } catch (IllegalArgumentException | IOException e) {
            Log.info("cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        Log.info("deploy agent starting: runtime " + config.runtime + ", mac "
                + (config.mac == null ? "(from the NIC with link)" : config.mac));
        new Agent(config).run();
    }

    static AgentConfig configure(String[] args) throws IOException {
        AgentConfig c = new AgentConfig();
        Path cmdline = Path.of("/proc/cmdline");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            i++;
            switch (a) {
                case "--cmdline" -> cmdline = Path.of(v);
                case "--proc" -> c.procRoot(Path.of(v)).mountsFile(Path.of(v, "self/mounts"));
                case "--sys" -> c.sysRoot(Path.of(v));
                case "--dev" -> c.devDir(Path.of(v));
                case "--mounts" -> c.mountsFile(Path.of(v));
                case "--workdir" -> c.workDir(Path.of(v));
                case "--state-dir" -> c.stateDir(Path.of(v));
                case "--tool" -> {
                    int eq = v.indexOf('=');
                    if (eq < 0) {
                        throw new IllegalArgumentException("--tool wants NAME=PATH");
                    }
                    c.tools(c.tools.with(v.substring(0, eq), v.substring(eq + 1)));
                }
                case "--reboot-command" -> c.rebootCommand(Arrays.asList(v.trim().split("\\s+")));
                case "--poweroff-command" -> c.poweroffCommand(Arrays.asList(v.trim().split("\\s+")));
                case "--backoff-max-seconds" -> c.backoff(c.backoffBase, Duration.ofSeconds(Long.parseLong(v)));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        KernelCmdline k = KernelCmdline.read(cmdline);
        String runtime = k.get("pxe.runtime");
        if (runtime == null || k.get("pxe.token") == null) {
            throw new IllegalArgumentException(cmdline + " lacks pxe.runtime= or pxe.token=");
        }
        return c.runtime(URI.create(runtime.endsWith("/") ? runtime : runtime + "/")).token(k.get("pxe.token"))
                .mac(k.mac());
    }
}
