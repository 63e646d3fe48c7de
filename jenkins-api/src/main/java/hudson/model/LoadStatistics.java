package hudson.model;

import java.io.Serializable;

/** Shape only (with the snapshot NodeProvisioner.StrategyState gives a provisioning strategy). */

public abstract class LoadStatistics {
    public static class LoadStatisticsSnapshot implements Serializable {
        private LoadStatisticsSnapshot(int definedExecutors, int onlineExecutors, int connectingExecutors,
                int busyExecutors, int idleExecutors, int availableExecutors, int queueLength) {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getDefinedExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getOnlineExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getConnectingExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getBusyExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getIdleExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getAvailableExecutors() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }

        public int getQueueLength() {
            throw new UnsupportedOperationException("compile-only stand-in");
        }
    }

    protected LoadStatistics(int initialTotalExecutors, int initialBusyExecutors) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
