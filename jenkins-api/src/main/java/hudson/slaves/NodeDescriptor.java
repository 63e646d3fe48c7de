package hudson.slaves;

import hudson.model.Descriptor;
import hudson.model.Node;

public abstract class NodeDescriptor extends Descriptor<Node> {
    protected NodeDescriptor(Class<? extends Node> clazz) { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected NodeDescriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isInstantiable() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
