package hudson.model;

import hudson.search.SearchableModelObject;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public abstract class AbstractModelObject implements SearchableModelObject {
}
