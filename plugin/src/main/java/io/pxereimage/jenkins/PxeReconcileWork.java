package io.pxereimage.jenkins;

import java.util.List;

import hudson.Extension;
import hudson.model.AsyncPeriodicWork;
import hudson.model.TaskListener;
import io.pxereimage.jenkins.core.Reconciler;
import io.pxereimage.jenkins.core.RuntimeApiException;
import jenkins.model.Jenkins;

/**
 * Every minute, each {@link PxeCloud} is reconciled with the runtime: leases without nodes are released, nodes
 * without leases removed, and nodes that survived a controller restart adopted (heartbeats resume; an agent that
 * never comes back hits the launch timeout instead of staying offline forever).
 */
@Extension
public class PxeReconcileWork extends AsyncPeriodicWork {
    public PxeReconcileWork() {
        super("PXE Reimage reconciliation");
    }

    @Override
    public long getRecurrencePeriod() {
        return MIN;
    }

    @Override
    public long getInitialDelay() {
        return 15 * 1000L; // soon after start: nodes surviving a restart get their heartbeats back quickly
    }

    @Override
    protected void execute(TaskListener listener) {
        Jenkins j = Jenkins.get();
        List<PxeCloud> clouds = j.clouds.getAll(PxeCloud.class);
        PxeCloud.forgetClouds(clouds.stream().map(c -> c.name).toList());
        for (PxeCloud cloud : clouds) {
            List<PxeNode> nodes = j.getNodes().stream().filter(n -> n instanceof PxeNode)
                    .map(n -> (PxeNode) n).filter(n -> cloud.name.equals(n.getCloudName())).toList();
            try {
                Reconciler.Result r = cloud.reconcile(nodes);
                listener.getLogger().printf("cloud %s: %d nodes; adopted %s, released %s, without lease %s%n",
                        cloud.name, nodes.size(), r.adopted(), r.releasedLeases(), r.nodesWithoutLease());
            } catch (RuntimeApiException | RuntimeException e) {
                listener.error("cloud " + cloud.name + ": " + e.getMessage());
            }
        }
    }
}
