package io.pxereimage.runtime.power;

import java.time.Duration;

/** Retries transient failures (UNREACHABLE, TIMEOUT) with exponential backoff; rethrows the last error. */
public final class Retrying implements PowerDriver {
    /** Injectable so tests do not wait. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    @FunctionalInterface
    private interface Op<T> {
        T run() throws PowerException;
    }

    private final PowerDriver delegate;
    private final int attempts;
    private final Duration firstDelay;
    private final Sleeper sleeper;

    public Retrying(PowerDriver delegate, int attempts, Duration firstDelay, Sleeper sleeper) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1");
        }
        this.delegate = delegate;
        this.attempts = attempts;
        this.firstDelay = firstDelay;
        this.sleeper = sleeper;
    }

    public Retrying(PowerDriver delegate, int attempts, Duration firstDelay) {
        this(delegate, attempts, firstDelay, d -> Thread.sleep(d.toMillis()));
    }

    private <T> T retry(Op<T> op) throws PowerException {
        Duration delay = firstDelay;
        for (int i = 1; ; i++) {
            try {
                return op.run();
            } catch (PowerException e) {
                if (!e.transientFailure() || i >= attempts) {
                    throw e;
                }
                try {
                    sleeper.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                delay = delay.multipliedBy(2);
            }
        }
    }

    @Override
    public State status() throws PowerException {
        return retry(delegate::status);
    }

    @Override
    public void on() throws PowerException {
        retry(() -> { delegate.on(); return null; });
    }

    @Override
    public void off() throws PowerException {
        retry(() -> { delegate.off(); return null; });
    }

    @Override
    public void cycle() throws PowerException {
        retry(() -> { delegate.cycle(); return null; });
    }

    @Override
    public void bootPxeOnce() throws PowerException {
        retry(() -> { delegate.bootPxeOnce(); return null; });
    }
}
