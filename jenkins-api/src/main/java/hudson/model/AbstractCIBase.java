package hudson.model;

import hudson.security.AccessControlled;
import java.util.List;
import org.kohsuke.stapler.StaplerFallback;
import org.kohsuke.stapler.StaplerProxy;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public abstract class AbstractCIBase extends Node implements ItemGroup<TopLevelItem>, StaplerProxy, StaplerFallback, ViewGroup, AccessControlled, DescriptorByNameOwner {
    @Override
    public String getNodeName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract List<Node> getNodes();

    public abstract Queue getQueue();
}
