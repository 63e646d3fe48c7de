package io.pxereimage.runtime.cli;

import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.PxeRuntime;

/** Starts a runtime, logs where it listens, and stops it cleanly on SIGINT/SIGTERM. */
final class RunUntilStopped {
    private static final Logger LOG = LoggerFactory.getLogger("pxe-runtime");

    private RunUntilStopped() {
    }

    static int run(PxeRuntime runtime) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            runtime.start();
        } catch (Exception e) {
            LOG.error("cannot start: {}", e.getMessage(), e);
            runtime.close();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            runtime.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
