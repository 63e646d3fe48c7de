package hudson.model;

import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Descriptor.FormException;
import hudson.slaves.ComputerLauncher;
import hudson.slaves.NodeDescriptor;
import hudson.slaves.RetentionStrategy;
import hudson.slaves.SlaveComputer;
import hudson.util.FormValidation;
import java.io.IOException;
import java.io.Serializable;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;

public abstract class Slave extends Node implements Serializable {
    protected String name;

    protected final String remoteFS;

    protected Slave(String name, String remoteFS, ComputerLauncher launcher) throws FormException, IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ComputerLauncher getLauncher() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void setLauncher(ComputerLauncher launcher) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getRemoteFS() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getNodeName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void setNodeName(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setNodeDescription(String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getNodeDescription() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public int getNumExecutors() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setNumExecutors(int n) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Mode getMode() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setMode(Mode mode) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public RetentionStrategy getRetentionStrategy() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setRetentionStrategy(RetentionStrategy availabilityStrategy) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getLabelString() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    @DataBoundSetter
    public void setLabelString(String labelString) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Computer createComputer() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public FilePath getRootPath() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public FilePath getWorkspaceRoot() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Launcher createLauncher(TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public SlaveComputer getComputer() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public SlaveDescriptor getDescriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract static class SlaveDescriptor extends NodeDescriptor {
        public FormValidation doCheckNumExecutors(@QueryParameter String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public FormValidation doCheckRemoteFS(@QueryParameter String value) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
