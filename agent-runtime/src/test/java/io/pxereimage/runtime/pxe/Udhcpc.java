package io.pxereimage.runtime.pxe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs busybox udhcpc with a script that prints each event and the variables udhcpc exports. */
final class Udhcpc {
    /**
     * Prints {@code EVENT <name>}, {@code ENV k=v} lines, then {@code END <name>} (wait for that before reading the
     * variables); configures the address so renewals can unicast.
     */
    static final String SCRIPT = """
            echo "EVENT $1"
            case "$1" in
              bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;
              deconfig) ip addr flush dev "$interface" ;;
            esac
            for v in ip mask subnet serverid siaddr sname boot_file vendor lease opt43 opt53 opt58 opt59 opt97 opt175 \\
                     tftp bootfile router dns; do
              eval "x=\\${$v+set}"; [ "$x" = set ] && eval "echo ENV $v=\\$$v"
            done
            echo "END $1"
            true
            """;

    private Udhcpc() {
    }

    static List<String> command(Path script, boolean once, String... pose) {
        List<String> cmd = new ArrayList<>(List.of("busybox", "udhcpc", "-i", "eth0", "-f", "-s", script.toString()));
        if (once) {
            cmd.addAll(List.of("-q", "-n", "-t", "4", "-T", "1"));
        }
        cmd.addAll(List.of(pose));
        return cmd;
    }

    /** The variables of the last bound/renew event in {@code output}. */
    static Map<String, String> lastLease(String output) {
        Map<String, String> env = null;
        for (String line : output.split("\n")) {
            if (line.equals("EVENT bound") || line.equals("EVENT renew")) {
                env = new HashMap<>();
            } else if (line.startsWith("EVENT ")) {
                env = env == null ? null : env; // deconfig etc. end the block but keep the last lease
            } else if (line.startsWith("ENV ") && env != null) {
                int eq = line.indexOf('=');
                env.put(line.substring(4, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    static Path script(NetLab lab) throws IOException {
        return lab.script("udhcpc.sh", SCRIPT);
    }
}
