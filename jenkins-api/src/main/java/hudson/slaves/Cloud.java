package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.model.Actionable;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Label;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import hudson.slaves.NodeProvisioner.PlannedNode;
import java.util.Collection;

public abstract class Cloud extends Actionable implements ExtensionPoint, Describable<Cloud>, AccessControlled {
    public String name;

    protected Cloud(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getUrl() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Collection<PlannedNode> provision(CloudState state, int excessWorkload) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean canProvision(CloudState state) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public Descriptor<Cloud> getDescriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final Permission PROVISION = null;

    public String getIcon() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getIconClassName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final class CloudState {
        public CloudState(Label label, int additionalPlannedCapacity) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public Label getLabel() { throw new UnsupportedOperationException("compile-only stand-in"); }

        public int getAdditionalPlannedCapacity() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
