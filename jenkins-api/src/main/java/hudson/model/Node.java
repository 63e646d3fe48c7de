package hudson.model;

import hudson.ExtensionPoint;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.labels.LabelAtom;
import hudson.security.AccessControlled;
import hudson.slaves.NodeDescriptor;
import java.io.File;
import java.io.IOException;
import java.util.Set;
import jenkins.util.io.OnMaster;

public abstract class Node extends AbstractModelObject implements ReconfigurableDescribable<Node>, ExtensionPoint, AccessControlled, OnMaster, PersistenceRoot {
    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void save() throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract String getNodeName();

    @Deprecated
    public abstract void setNodeName(String name);

    public abstract String getNodeDescription();

    public abstract Launcher createLauncher(TaskListener listener);

    public abstract int getNumExecutors();

    public abstract Mode getMode();

    public final Computer toComputer() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected abstract Computer createComputer();

    public boolean isAcceptingTasks() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Set<LabelAtom> getAssignedLabels() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract String getLabelString();

    public void setLabelString(String labelString) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public LabelAtom getSelfLabel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract FilePath getRootPath();

    @Override
    public abstract NodeDescriptor getDescriptor();

    @Override
    public File getRootDir() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public enum Mode {
        NORMAL, EXCLUSIVE;

        public String getDescription() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public String getName() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
