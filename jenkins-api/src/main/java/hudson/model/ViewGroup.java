package hudson.model;

import hudson.security.AccessControlled;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface ViewGroup extends Saveable, ModelObject, AccessControlled {
}
