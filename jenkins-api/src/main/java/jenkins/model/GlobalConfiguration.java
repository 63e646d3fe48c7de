package jenkins.model;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Describable;
import hudson.model.Descriptor;

public abstract class GlobalConfiguration extends Descriptor<GlobalConfiguration> implements ExtensionPoint, Describable<GlobalConfiguration> {
    protected GlobalConfiguration() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public final Descriptor<GlobalConfiguration> getDescriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getGlobalConfigPage() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static ExtensionList<GlobalConfiguration> all() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
