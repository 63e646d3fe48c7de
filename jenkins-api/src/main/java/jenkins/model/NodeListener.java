package jenkins.model;

import hudson.ExtensionPoint;
import hudson.model.Node;
import java.util.List;

public abstract class NodeListener implements ExtensionPoint {
    protected void onCreated(Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected void onUpdated(Node oldOne, Node newOne) { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected void onDeleted(Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static List<NodeListener> all() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
