package io.pxereimage.jenkins;

import java.util.concurrent.atomic.AtomicInteger;

import hudson.slaves.AbstractCloudComputer;

/** The computer of a {@link PxeNode}; counts the tasks it took, for single use. */
public class PxeComputer extends AbstractCloudComputer<PxeNode> {
    private final AtomicInteger tasksTaken = new AtomicInteger();

    public PxeComputer(PxeNode node) {
        super(node);
    }

    int tasksTaken() {
        return tasksTaken.get();
    }

    int taskAccepted() {
        return tasksTaken.incrementAndGet();
    }
}
