package jenkins.model;

import hudson.ExtensionList;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractCIBase;
import hudson.model.Computer;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.DescriptorByNameOwner;
import hudson.model.Hudson;
import hudson.model.Label;
import hudson.model.ModifiableViewGroup;
import hudson.model.Node;
import hudson.model.Queue;
import hudson.model.TaskListener;
import hudson.model.View;
import hudson.model.labels.LabelAtom;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import hudson.slaves.Cloud;
import hudson.slaves.NodeDescriptor;
import hudson.util.DescribableList;
import java.io.File;
import java.io.IOException;
import java.util.List;
import jenkins.util.io.OnMaster;
import org.kohsuke.stapler.StaplerFallback;
import org.kohsuke.stapler.StaplerProxy;

public class Jenkins extends AbstractCIBase implements DirectlyModifiableTopLevelItemGroup, StaplerProxy, StaplerFallback, ModifiableViewGroup, AccessControlled, DescriptorByNameOwner, ModelObjectWithContextMenu, ModelObjectWithChildren, OnMaster, Loadable {
    // Jenkins' constructors take a jakarta ServletContext, not available here; this one only lets the Hudson shape extend it.
    protected Jenkins() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final Hudson.CloudList clouds;

    public static class CloudList extends DescribableList<Cloud, Descriptor<Cloud>> {
        public CloudList(Jenkins h) {
            super(h);
            throw new UnsupportedOperationException("compile-only stand-in");
        }
    }

    public static Jenkins get() throws IllegalStateException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Jenkins getInstanceOrNull() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Deprecated
    public static Jenkins getInstance() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getNodeDescription() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Descriptor getDescriptorOrDie(Class<? extends Describable> type) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Descriptor getDescriptor(Class<? extends Describable> type) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public <T extends Descriptor> T getDescriptorByType(Class<T> type) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Launcher createLauncher(TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Computer[] getComputers() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Computer getComputer(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Label getLabel(String expr) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public LabelAtom getLabelAtom(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Queue getQueue() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Node getNode(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Cloud getCloud(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public List<Node> getNodes() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void addNode(Node n) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void removeNode(Node n) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void setNodeName(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public NodeDescriptor getDescriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getRootUrl() throws IllegalStateException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public File getRootDir() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public FilePath getRootPath() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public <T> ExtensionList<T> getExtensionList(Class<T> extensionType) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void load() throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public synchronized void save() throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public int getNumExecutors() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Mode getMode() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getLabelString() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Computer createComputer() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Object getTarget() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public View getStaplerFallback() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final Permission ADMINISTER = null;

    public static final Permission MANAGE = null;

    public static final Permission SYSTEM_READ = null;

    public static final Permission READ = null;
}
