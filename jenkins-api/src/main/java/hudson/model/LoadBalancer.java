package hudson.model;

import hudson.ExtensionPoint;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public abstract class LoadBalancer implements ExtensionPoint {
}
