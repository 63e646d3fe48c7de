package io.pxereimage.runtime.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A background helper started by a {@code lib.sh} function (dnsmasq, tcpdump). Those functions put the daemon in
 * the background of their shell; here that shell stays alive as our child and waits for it, so the daemon is
 * always reaped, and SIGTERM to the shell runs the matching stop function ({@code lab_stop_pidfile},
 * {@code lab_capture_stop}).
 */
final class LabService {
    private static final String READY = "LAB-SERVICE-READY";

    private final Process shell;
    private final Path log;

    private LabService(Process shell, Path log) {
        this.shell = shell;
        this.log = log;
    }

    /** Runs {@code start} (shell code using lib.sh), waits until it returned, keeps the daemon as a grandchild. */
    static LabService start(LabFixture lab, String name, String start, String stop) throws Exception {
        Path log = lab.file(name + ".service.log");
        String script = ". " + lab.lab("lib.sh") + "\n"
                + "trap '" + stop + "; wait; exit 0' TERM\n"
                + start + " || exit 1\n"
                + "echo " + READY + "\n"
                + "wait\n";
        Process p = lab.track(Procs.start(List.of("bash", "-c", script), lab.env(), log));
        if (!Procs.awaitText(log, READY, p, Duration.ofSeconds(30))) {
            Procs.stop(p, Duration.ofSeconds(5));
            throw new AssertionError(name + " did not start:\n" + Procs.tail(log, 20));
        }
        return new LabService(p, log);
    }

    /** Stops the daemon through the shell's trap (bounded), then the shell. */
    void stop() throws InterruptedException {
        Procs.stop(shell, Duration.ofSeconds(10));
    }

    Path log() {
        return log;
    }
}
