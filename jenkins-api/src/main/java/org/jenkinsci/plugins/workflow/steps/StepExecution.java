package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;

public abstract class StepExecution implements Serializable {
    protected StepExecution(StepContext context) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public StepContext getContext() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract boolean start() throws Exception;

    public void stop(Throwable cause) throws Exception { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void onResume() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getStatus() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean blocksRestart() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
