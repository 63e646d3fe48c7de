package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.Label;
import hudson.model.LoadStatistics;
import hudson.model.Node;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Future;

public class NodeProvisioner {
    public NodeProvisioner(Label label, LoadStatistics loadStatistics) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public List<PlannedNode> getPendingLaunches() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void suggestReviewNow() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static class PlannedNode {
        public final String displayName;

        public final Future<Node> future;

        public final int numExecutors;

        public PlannedNode(String displayName, Future<Node> future, int numExecutors) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public void spent() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }

    public enum StrategyDecision {
        PROVISIONING_COMPLETED,
        CONSULT_REMAINING_STRATEGIES
    }

    public abstract static class Strategy implements ExtensionPoint {
        public abstract StrategyDecision apply(StrategyState state);
    }

    public final class StrategyState {
        private StrategyState(LoadStatistics.LoadStatisticsSnapshot snapshot, Label label, int plannedCapacitySnapshot) {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public LoadStatistics.LoadStatisticsSnapshot getSnapshot() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public Label getLabel() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public int getPlannedCapacitySnapshot() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public synchronized int getAdditionalPlannedCapacity() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public float getQueueLengthLatest() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public float getPlannedCapacityLatest() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public float getAvailableExecutorsLatest() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public float getConnectingExecutorsLatest() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public void recordPendingLaunches(PlannedNode... plannedNodes) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public void recordPendingLaunches(Collection<PlannedNode> plannedNodes) { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
