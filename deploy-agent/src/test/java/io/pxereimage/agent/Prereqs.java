package io.pxereimage.agent;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * Guard for tests that need external programs: outside CI a missing program skips the test, under
 * {@code CI=true} it fails it (CI must prove these tests, never skip them silently). Same rule as agent-runtime's
 * Prerequisites, which this module cannot see.
 */
final class Prereqs {
    private Prereqs() {
    }

    static void requireRoot() {
        String user = System.getProperty("user.name");
        check("root".equals(user), "needs root (runs as " + user + ")");
    }

    static void requireCommands(String... commands) {
        List<String> missing = new ArrayList<>();
        for (String c : commands) {
            if (Commands.find(c) == null) {
                missing.add(c);
            }
        }
        check(missing.isEmpty(), "missing programs " + missing + " (apt-get install -y fdisk dosfstools mtools zstd)");
    }

    private static void check(boolean ok, String reason) {
        if (ok) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("prerequisite missing under CI=true: " + reason);
        }
        Assumptions.assumeTrue(false, "skipped: " + reason);
    }
}
