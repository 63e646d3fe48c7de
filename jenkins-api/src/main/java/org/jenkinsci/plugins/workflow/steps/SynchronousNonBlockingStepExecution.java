package org.jenkinsci.plugins.workflow.steps;

public abstract class SynchronousNonBlockingStepExecution<T> extends StepExecution {
    protected SynchronousNonBlockingStepExecution(StepContext context) {
        super(context);
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    protected abstract T run() throws Exception;

    @Override
    public final boolean start() throws Exception { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void stop(Throwable cause) throws Exception { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void onResume() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getStatus() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public boolean blocksRestart() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
