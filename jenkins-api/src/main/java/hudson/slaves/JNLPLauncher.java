package hudson.slaves;

import hudson.model.TaskListener;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

public class JNLPLauncher extends ComputerLauncher {
    public String tunnel;

    @DataBoundConstructor
    public JNLPLauncher() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public boolean isLaunchSupported() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isWebSocket() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setWebSocket(boolean webSocket) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getTunnel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @DataBoundSetter
    public void setTunnel(String tunnel) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void launch(SlaveComputer computer, TaskListener listener) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
