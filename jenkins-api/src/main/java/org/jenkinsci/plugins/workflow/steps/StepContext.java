package org.jenkinsci.plugins.workflow.steps;

import java.io.IOException;
import java.io.Serializable;

// workflow-step-api's StepContext also implements Guava's FutureCallback<Object> (onSuccess/onFailure); Guava is
// not a dependency here, so the interface is left out and onSuccess is kept as the only callback method.
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
