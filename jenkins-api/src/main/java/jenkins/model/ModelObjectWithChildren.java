package jenkins.model;

import hudson.model.ModelObject;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public interface ModelObjectWithChildren extends ModelObject {
}
