package hudson.slaves;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Computer;
import hudson.model.TaskListener;
import java.io.IOException;

public abstract class ComputerListener implements ExtensionPoint {
    public void preLaunch(Computer c, TaskListener taskListener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onLaunchFailure(Computer c, TaskListener taskListener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onOnline(Computer c, TaskListener listener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onOffline(Computer c, OfflineCause cause) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onTemporarilyOffline(Computer c, OfflineCause cause) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onIdle(Computer c) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static ExtensionList<ComputerListener> all() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
