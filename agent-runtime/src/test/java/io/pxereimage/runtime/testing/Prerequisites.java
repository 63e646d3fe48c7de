package io.pxereimage.runtime.testing;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * Guards for tests that need root, network namespaces or external programs (qemu, curl, udhcpc, ...).
 *
 * <p>Outside CI a missing prerequisite skips the test with the reason. Under {@code CI=true} it fails the test:
 * CI must prove the integration and end-to-end tiers, never skip them silently. {@code lab/install-deps.sh}
 * installs everything these tests use.
 */
public final class Prerequisites {
    /** Debian's chromium launcher and its matching driver: browser tests use these, never a downloaded one. */
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private Prerequisites() {
    }

    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Requires root (network namespaces, ports below 1024, tap devices). */
    public static void requireRoot() {
        String user = System.getProperty("user.name");
        check("root".equals(user), "needs root (runs as " + user + ")");
    }

    /** Requires every named program on the PATH (or as an absolute path). */
    public static void requireCommands(String... commands) {
        List<String> missing = new ArrayList<>();
        for (String c : commands) {
            if (!onPath(c)) {
                missing.add(c);
            }
        }
        check(missing.isEmpty(), "missing programs " + missing + " (run lab/install-deps.sh)");
    }

    /** Requires the named files to exist. */
    public static void requireFiles(String... paths) {
        List<String> missing = new ArrayList<>();
        for (String p : paths) {
            if (!new File(p).exists()) {
                missing.add(p);
            }
        }
        check(missing.isEmpty(), "missing files " + missing + " (run lab/install-deps.sh)");
    }

    /** Requires Debian's {@code chromium} and {@code chromium-driver} (headless browser tests). */
    public static void requireChromium() {
        requireCommands(CHROMIUM, CHROMEDRIVER);
    }

    public static boolean onPath(String command) {
        if (command.contains("/")) {
            return new File(command).canExecute();
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new File(dir, command).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Any other prerequisite: skips outside CI, fails under {@code CI=true}. */
    public static void require(boolean ok, String reason) {
        check(ok, reason);
    }

    private static void check(boolean ok, String reason) {
        if (ok) {
            return;
        }
        if (underCi()) {
            throw new AssertionError("prerequisite missing under CI=true: " + reason);
        }
        Assumptions.assumeTrue(false, "skipped: " + reason);
    }
}
