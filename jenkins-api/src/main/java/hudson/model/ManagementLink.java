package hudson.model;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.security.Permission;

public abstract class ManagementLink implements ExtensionPoint, Action {
    @Override
    public abstract String getIconFileName();

    public String getDescription() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public abstract String getUrlName();

    public boolean getRequiresConfirmation() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static ExtensionList<ManagementLink> all() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Permission getRequiredPermission() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean getRequiresPOST() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Category getCategory() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public enum Category {
        CONFIGURATION, SECURITY, STATUS, TROUBLESHOOTING, TOOLS, MISC, UNCATEGORIZED;

        public String getLabel() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
