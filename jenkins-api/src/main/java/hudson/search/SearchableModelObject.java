package hudson.search;

import hudson.model.ModelObject;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public interface SearchableModelObject extends ModelObject, SearchItem {
}
