package io.pxereimage.jenkins;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;

import hudson.Extension;
import hudson.model.Computer;
import hudson.model.Descriptor;
import hudson.model.Executor;
import hudson.model.ExecutorListener;
import hudson.model.Queue;
import hudson.slaves.RetentionStrategy;
import io.pxereimage.jenkins.core.Retention;

/**
 * Single use ({@code idleMinutes == 0}: one task, then the node is terminated and its machine cleaned) or idle
 * termination, as {@link Retention} decides. Typed to {@link Computer} and checking for {@link PxeComputer} itself,
 * so Jenkins never rejects it for our node type; other computers are left alone.
 */
public class PxeRetentionStrategy extends RetentionStrategy<Computer> implements ExecutorListener {
    private static final Logger LOG = Logger.getLogger(PxeRetentionStrategy.class.getName());

    private final int idleMinutes;

    @DataBoundConstructor
    public PxeRetentionStrategy(int idleMinutes) {
        this.idleMinutes = idleMinutes;
    }

    public int getIdleMinutes() {
        return idleMinutes;
    }

    private Retention retention() {
        return new Retention(Math.max(0, idleMinutes));
    }

    @Override
    public void start(Computer c) {
        c.connect(false); // inbound: waits for the machine's agent
    }

    @Override
    public boolean isAcceptingTasks(Computer c) {
        return !(c instanceof PxeComputer p) || retention().acceptsTask(p.tasksTaken());
    }

    @Override
    public long check(Computer c) {
        if (!(c instanceof PxeComputer p) || c.isOffline()) {
            return 1; // a machine whose agent never connects is the provisioner's launch timeout's
        }
        if (retention().shouldTerminate(!c.isIdle(), p.tasksTaken(),
                Instant.ofEpochMilli(c.getIdleStartMilliseconds()), Instant.now())) {
            terminate(p, p.tasksTaken() > 0 ? "done" : "idle");
        }
        return 1;
    }

    @Override
    public void taskAccepted(Executor executor, Queue.Task task) {
        if (executor.getOwner() instanceof PxeComputer p && p.taskAccepted() > 0 && retention().singleUse()) {
            p.setAcceptingTasks(false); // single use: no second task, even before this one ends
        }
    }

    @Override
    public void taskCompleted(Executor executor, Queue.Task task, long durationMS) {
        ended(executor);
    }

    @Override
    public void taskCompletedWithProblems(Executor executor, Queue.Task task, long durationMS, Throwable problems) {
        ended(executor);
    }

    private void ended(Executor executor) {
        if (executor.getOwner() instanceof PxeComputer p && retention().singleUse()) {
            terminate(p, "its single task ended");
        }
    }

    private static void terminate(PxeComputer c, String why) {
        c.setAcceptingTasks(false);
        Computer.threadPoolForRemoting.submit(() -> {
            PxeNode node = c.getNode();
            if (node == null) {
                return;
            }
            try {
                LOG.info(() -> node.getNodeName() + ": terminating (" + why + ")");
                node.terminate();
            } catch (Exception e) {
                LOG.log(Level.WARNING, node.getNodeName() + ": cannot terminate", e);
            }
        });
    }

    @Extension
    @Symbol("pxeRetention")
    public static final class DescriptorImpl extends Descriptor<RetentionStrategy<?>> {
        @Override
        public String getDisplayName() {
            return "PXE Reimage: single use or idle termination";
        }
    }
}
