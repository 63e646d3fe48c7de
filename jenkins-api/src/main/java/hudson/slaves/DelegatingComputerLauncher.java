package hudson.slaves;

import hudson.model.Descriptor;
import hudson.model.TaskListener;
import java.io.IOException;

public abstract class DelegatingComputerLauncher extends ComputerLauncher {
    protected ComputerLauncher launcher;

    protected DelegatingComputerLauncher(ComputerLauncher launcher) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ComputerLauncher getLauncher() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void launch(SlaveComputer computer, TaskListener listener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void afterDisconnect(SlaveComputer computer, TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void beforeDisconnect(SlaveComputer computer, TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract static class DescriptorImpl extends Descriptor<ComputerLauncher> {
    }
}
