package hudson.slaves;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Label;
import hudson.model.Node;
import hudson.model.queue.CauseOfBlockage;
import java.util.Collection;

public abstract class CloudProvisioningListener implements ExtensionPoint {
    public CauseOfBlockage canProvision(Cloud cloud, Cloud.CloudState state, int numExecutors) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onStarted(Cloud cloud, Label label, Collection<NodeProvisioner.PlannedNode> plannedNodes) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onComplete(NodeProvisioner.PlannedNode plannedNode, Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onCommit(NodeProvisioner.PlannedNode plannedNode, Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onFailure(NodeProvisioner.PlannedNode plannedNode, Throwable t) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onRollback(NodeProvisioner.PlannedNode plannedNode, Node node, Throwable t) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static ExtensionList<CloudProvisioningListener> all() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
