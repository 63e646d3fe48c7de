package io.pxereimage.runtime.concurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops an executor and waits for it, so that nothing of a closed component still writes to the data directory
 * (a test's temporary directory, an embedded runtime's JENKINS_HOME) after {@code close()} returned.
 */
public final class Shutdown {
    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
    private static final long WAIT_SECONDS = 5;

    private Shutdown() {
    }

    /**
     * Lets running and queued tasks finish (no interrupt: an interrupted {@code FileChannel} is closed under its
     * writer, a database transaction is cut) and waits up to 5 s.
     */
    public static void finishRunning(ExecutorService executor, String what) {
        executor.shutdown();
        await(executor, what);
    }

    /** Interrupts running tasks (they only wait on sockets, processes or timers) and waits up to 5 s. */
    public static void interrupt(ExecutorService executor, String what) {
        executor.shutdownNow();
        await(executor, what);
    }

    private static void await(ExecutorService executor, String what) {
        try {
            if (!executor.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("{}: still running {} s after close", what, WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
