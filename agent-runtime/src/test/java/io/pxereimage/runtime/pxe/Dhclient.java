package io.pxereimage.runtime.pxe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs ISC dhclient in a namespace with a given dhclient.conf and a script that prints the reason and every
 * {@code new_*} variable (dhclient-script(8): option names with dashes as underscores, plus {@code new_filename},
 * {@code new_server_name} and {@code new_next_server} from the BOOTP header). Our own script also keeps the
 * host's resolv.conf untouched.
 */
final class Dhclient {
    static final String SCRIPT = """
            echo "REASON $reason"
            case "$reason" in
              BOUND|RENEW|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
            esac
            env | grep '^new_' | sort | sed 's/^/ENV /'
            echo "END $reason"
            true
            """;

    /** What one run left: the output, and the variables of the first BOUND (null when it never bound). */
    record Run(String output, Map<String, String> lease) {
    }

    private Dhclient() {
    }

    /**
     * Starts dhclient ({@code -d -1}: foreground, try once), waits up to {@code timeout} for a BOUND, then stops it.
     * A timeout is not an error here: the caller asserts on {@link Run#lease()}.
     */
    static Run run(NetLab lab, String ns, String name, String conf, Duration timeout)
            throws IOException, InterruptedException {
        Path dir = lab.dir;
        Path script = dir.resolve("dhclient-env.sh");
        if (!Files.exists(script)) {
            lab.script("dhclient-env.sh", SCRIPT);
        }
        Path cf = dir.resolve(name + ".conf");
        Files.writeString(cf, conf);
        Path out = dir.resolve(name + ".out");
        Process p = lab.start(ns, out, "dhclient", "-4", "-v", "-d", "-1", "-cf", cf.toString(),
                "-sf", script.toString(), "-lf", dir.resolve(name + ".leases").toString(),
                "-pf", dir.resolve(name + ".pid").toString(), "eth0");
        long end = System.nanoTime() + timeout.toNanos();
        String text = "";
        try {
            while (System.nanoTime() < end) {
                text = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
                if (text.contains("END BOUND") || !p.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        text = Files.readString(out, StandardCharsets.UTF_8);
        return new Run(text, bound(text));
    }

    static Map<String, String> bound(String output) {
        Map<String, String> env = null;
        for (String line : output.split("\n")) {
            if (line.equals("REASON BOUND") && env == null) {
                env = new HashMap<>();
            } else if (line.startsWith("END ") && env != null) {
                return env;
            } else if (line.startsWith("ENV ") && env != null) {
                int eq = line.indexOf('=');
                env.put(line.substring(4, eq), line.substring(eq + 1));
            }
        }
        return null;
    }
}
