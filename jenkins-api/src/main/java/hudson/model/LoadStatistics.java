package hudson.model;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public abstract class LoadStatistics {
    protected LoadStatistics(int initialTotalExecutors, int initialBusyExecutors) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
