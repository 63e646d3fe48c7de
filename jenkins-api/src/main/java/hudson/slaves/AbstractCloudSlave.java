package hudson.slaves;

import hudson.model.Descriptor.FormException;
import hudson.model.Slave;
import hudson.model.TaskListener;
import java.io.IOException;

public abstract class AbstractCloudSlave extends Slave {
    protected AbstractCloudSlave(String name, String remoteFS, ComputerLauncher launcher) throws FormException, IOException {
        super(name, remoteFS, launcher);
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public abstract AbstractCloudComputer createComputer();

    public void terminate() throws InterruptedException, IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected abstract void _terminate(TaskListener listener) throws IOException, InterruptedException;
}
