package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Computer;
import org.kohsuke.stapler.DataBoundConstructor;

public abstract class RetentionStrategy<T extends Computer> extends AbstractDescribableImpl<RetentionStrategy<?>> implements ExtensionPoint {
    public abstract long check(T c);

    public boolean isManualLaunchAllowed(T c) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isAcceptingTasks(T c) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void start(T c) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final RetentionStrategy<Computer> NOOP = null;

    public static final Always INSTANCE = null;

    public static class Always extends RetentionStrategy<SlaveComputer> {
        @DataBoundConstructor
        public Always() { throw new UnsupportedOperationException("compile-only stand-in"); }

        @Override
        public long check(SlaveComputer c) { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
