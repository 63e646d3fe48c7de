package io.pxereimage.jenkins;

import java.io.IOException;
import java.util.logging.Logger;

import org.jenkinsci.Symbol;

import hudson.Extension;
import hudson.model.Descriptor;
import hudson.model.Node;
import hudson.model.Slave;
import hudson.model.TaskListener;
import hudson.slaves.AbstractCloudSlave;
import hudson.slaves.Cloud;
import hudson.slaves.JNLPLauncher;
import jenkins.model.Jenkins;

/**
 * A leased bare-metal machine as a Jenkins agent. It is persisted with the cloud and template it came from and
 * its lease, so that after a controller restart the reconciler can pair it with its lease again.
 */
public class PxeNode extends AbstractCloudSlave {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(PxeNode.class.getName());

    private final String cloudName;
    private final String templateName;
    private final int idleMinutes;
    private String leaseId;
    private String machine;

    PxeNode(String nodeName, String cloudName, PxeTemplate template, boolean webSocket)
            throws Descriptor.FormException, IOException {
        super(nodeName, template.getRemoteFS(), launcher(webSocket));
        this.cloudName = cloudName;
        this.templateName = template.getName();
        this.idleMinutes = template.getIdleMinutes();
        setNumExecutors(template.getNumExecutors());
        setLabelString(template.getLabelString());
        setMode(template.getLabelString().isEmpty() ? Node.Mode.NORMAL : Node.Mode.EXCLUSIVE);
        setNodeDescription("PXE Reimage machine of template " + template.getName() + " (cloud " + cloudName + ")");
        setRetentionStrategy(new PxeRetentionStrategy(template.getIdleMinutes()));
    }

    private static JNLPLauncher launcher(boolean webSocket) {
        JNLPLauncher l = new JNLPLauncher();
        l.setWebSocket(webSocket);
        return l;
    }

    public String getCloudName() {
        return cloudName;
    }

    public String getTemplateName() {
        return templateName;
    }

    public int getIdleMinutes() {
        return idleMinutes;
    }

    public String getLeaseId() {
        return leaseId;
    }

    public String getMachine() {
        return machine;
    }

    synchronized void setLease(String leaseId, String machine) {
        this.leaseId = leaseId;
        this.machine = machine;
    }

    /** The cloud this node came from, or null when it has been removed. */
    public PxeCloud getCloud() {
        Cloud c = Jenkins.get().getCloud(cloudName);
        return c instanceof PxeCloud p ? p : null;
    }

    @Override
    public PxeComputer createComputer() {
        return new PxeComputer(this);
    }

    @Override
    protected void _terminate(TaskListener listener) throws IOException, InterruptedException {
        PxeCloud cloud = getCloud();
        if (cloud == null) {
            LOG.warning(getNodeName() + ": cloud " + cloudName + " is gone; lease " + leaseId
                    + " ends when its heartbeats stop");
            return;
        }
        listener.getLogger().println(getNodeName() + ": releasing lease " + leaseId + " (machine " + machine + ")");
        cloud.release(this, "node terminated");
    }

    @Extension
    @Symbol("pxeNode")
    public static final class DescriptorImpl extends Slave.SlaveDescriptor {
        @Override
        public String getDisplayName() {
            return "PXE Reimage machine";
        }

        /** Made by the cloud only, never by hand. */
        @Override
        public boolean isInstantiable() {
            return false;
        }
    }
}
