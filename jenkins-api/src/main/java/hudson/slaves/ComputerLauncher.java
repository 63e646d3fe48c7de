package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.AbstractDescribableImpl;
import hudson.model.TaskListener;
import java.io.IOException;

public abstract class ComputerLauncher extends AbstractDescribableImpl<ComputerLauncher> implements ExtensionPoint {
    public boolean isLaunchSupported() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void launch(SlaveComputer computer, TaskListener listener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void afterDisconnect(SlaveComputer computer, TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void beforeDisconnect(SlaveComputer computer, TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
