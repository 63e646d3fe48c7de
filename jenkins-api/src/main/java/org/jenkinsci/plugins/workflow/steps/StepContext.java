package org.jenkinsci.plugins.workflow.steps;

import java.io.IOException;
import java.io.Serializable;

public abstract class StepContext implements Serializable {
    public abstract <T> T get(Class<T> key) throws IOException, InterruptedException;

    public abstract void onSuccess(Object result);

    public abstract boolean isReady();

    public boolean hasBody() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public abstract boolean equals(Object o);

    @Override
    public abstract int hashCode();
}
