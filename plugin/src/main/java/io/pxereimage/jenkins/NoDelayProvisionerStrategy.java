package io.pxereimage.jenkins;

import java.util.Collection;

import hudson.Extension;
import hudson.model.Label;
import hudson.model.LoadStatistics;
import hudson.slaves.Cloud;
import hudson.slaves.NodeProvisioner;
import jenkins.model.Jenkins;

/**
 * Provisions at once for queued work a {@link PxeCloud} can serve, instead of waiting for Jenkins' load
 * statistics to show sustained demand: imaging a machine takes minutes already. Only the work not covered by
 * available, connecting or planned executors is asked for; other clouds are left to the remaining strategies.
 */
@Extension(ordinal = 100)
public class NoDelayProvisionerStrategy extends NodeProvisioner.Strategy {
    @Override
    public NodeProvisioner.StrategyDecision apply(NodeProvisioner.StrategyState state) {
        LoadStatistics.LoadStatisticsSnapshot snapshot = state.getSnapshot();
        int available = snapshot.getAvailableExecutors() + snapshot.getConnectingExecutors()
                + state.getPlannedCapacitySnapshot() + state.getAdditionalPlannedCapacity();
        int wanted = snapshot.getQueueLength() - available;
        if (wanted <= 0) {
            return NodeProvisioner.StrategyDecision.PROVISIONING_COMPLETED;
        }
        Label label = state.getLabel();
        Collection<Cloud> clouds = label == null ? Jenkins.get().clouds : label.getClouds();
        for (Cloud c : clouds) {
            if (wanted <= 0) {
                break;
            }
            if (!(c instanceof PxeCloud cloud)) {
                continue;
            }
            Cloud.CloudState cs = new Cloud.CloudState(label, state.getAdditionalPlannedCapacity());
            if (!cloud.canProvision(cs)) {
                continue;
            }
            Collection<NodeProvisioner.PlannedNode> planned = cloud.provision(cs, wanted);
            state.recordPendingLaunches(planned);
            wanted -= planned.stream().mapToInt(p -> p.numExecutors).sum();
        }
        return wanted <= 0 ? NodeProvisioner.StrategyDecision.PROVISIONING_COMPLETED
                : NodeProvisioner.StrategyDecision.CONSULT_REMAINING_STRATEGIES;
    }
}
