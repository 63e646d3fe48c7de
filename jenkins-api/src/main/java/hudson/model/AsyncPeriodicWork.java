package hudson.model;

import java.io.File;
import java.io.IOException;
import java.util.logging.Level;

public abstract class AsyncPeriodicWork extends PeriodicWork {
    public final String name;

    protected AsyncPeriodicWork(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public final void doRun() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected File getLogFile() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected Level getNormalLoggingLevel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected Level getSlowLoggingLevel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected Level getErrorLoggingLevel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected abstract void execute(TaskListener listener) throws IOException, InterruptedException;
}
