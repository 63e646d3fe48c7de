package io.pxereimage.jenkins;

import hudson.Extension;
import hudson.model.Computer;
import hudson.model.TaskListener;
import hudson.slaves.ComputerListener;

/** A machine's agent connected: its launch timeout stops and its planned node completes. */
@Extension
public class PxeComputerListener extends ComputerListener {
    @Override
    public void onOnline(Computer c, TaskListener listener) {
        if (c instanceof PxeComputer p && p.getNode() != null) {
            PxeCloud cloud = p.getNode().getCloud();
            if (cloud != null) {
                cloud.connected(p.getNode());
            }
        }
    }
}
