package hudson.slaves;

import hudson.model.Computer;
import hudson.model.Executor;
import hudson.model.Queue;
import hudson.model.Slave;
import hudson.model.TaskListener;
import java.util.concurrent.Future;

public class SlaveComputer extends Computer {
    public SlaveComputer(Slave slave) {
        super(slave);
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public boolean isAcceptingTasks() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getJnlpMac() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void setAcceptingTasks(boolean acceptingTasks) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Slave getNode() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public TaskListener getListener() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public boolean isLaunchSupported() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ComputerLauncher getLauncher() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ComputerLauncher getDelegatedLauncher() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    protected Future<?> _connect(boolean forceReconnect) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void taskAccepted(Executor executor, Queue.Task task) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void taskStarted(Executor executor, Queue.Task task) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void taskCompleted(Executor executor, Queue.Task task, long durationMS) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void taskCompletedWithProblems(Executor executor, Queue.Task task, long durationMS, Throwable problems) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public boolean isConnecting() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Future<?> disconnect(OfflineCause cause) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void tryReconnect() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public RetentionStrategy getRetentionStrategy() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
