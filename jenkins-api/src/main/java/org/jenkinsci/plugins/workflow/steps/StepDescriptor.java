package org.jenkinsci.plugins.workflow.steps;

import hudson.ExtensionList;
import hudson.model.Descriptor;
import java.util.Set;

public abstract class StepDescriptor extends Descriptor<Step> {
    public abstract Set<? extends Class<?>> getRequiredContext();

    public Set<? extends Class<?>> getProvidedContext() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract String getFunctionName();

    public boolean takesImplicitBlockArgument() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isAdvanced() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static ExtensionList<StepDescriptor> all() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
