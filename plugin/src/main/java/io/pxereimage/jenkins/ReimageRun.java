package io.pxereimage.jenkins;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import hudson.AbortException;
import io.pxereimage.jenkins.core.Reimager;

/** What both build steps run: {@link Reimager} against the configured runtime; a failure aborts the build. */
final class ReimageRun {
    private ReimageRun() {
    }

    static void run(List<String> machines, String image, boolean wait, int timeoutMinutes, PrintStream log)
            throws AbortException, InterruptedException {
        Reimager r = new Reimager(PxeGlobalConfiguration.get().client(), Duration.ofSeconds(2),
                Duration.ofMinutes(Math.max(1, timeoutMinutes)), Clock.systemUTC());
        try {
            r.reimage(machines, image, wait, log);
        } catch (Reimager.ReimageException | IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
    }
}
