package hudson.model;

import hudson.security.AccessControlled;
import hudson.security.Permission;
import hudson.security.PermissionGroup;
import hudson.slaves.OfflineCause;
import hudson.slaves.RetentionStrategy;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import jenkins.widgets.HasWidgets;
import org.kohsuke.stapler.StaplerProxy;

public abstract class Computer extends Actionable implements AccessControlled, ExecutorListener, DescriptorByNameOwner, StaplerProxy, HasWidgets {
    protected Computer(Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void recordTermination() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getOfflineCauseReason() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public OfflineCause getOfflineCause() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Future<?> disconnect(OfflineCause cause) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final Future<?> connect(boolean forceReconnect) { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected abstract Future<?> _connect(boolean forceReconnect);

    public int getNumExecutors() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Node getNode() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isOffline() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final boolean isOnline() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract boolean isConnecting();

    public boolean isLaunchSupported() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final int countBusy() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public List<Executor> getExecutors() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final boolean isIdle() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final long getIdleStartMilliseconds() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract RetentionStrategy getRetentionStrategy();

    public void waitUntilOnline() throws InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Object getTarget() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isAcceptingTasks() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final ExecutorService threadPoolForRemoting = null;

    public static final PermissionGroup PERMISSIONS = null;

    public static final Permission CONFIGURE = null;

    public static final Permission DELETE = null;

    public static final Permission CREATE = null;

    public static final Permission DISCONNECT = null;

    public static final Permission CONNECT = null;

    public static final Permission BUILD = null;
}
