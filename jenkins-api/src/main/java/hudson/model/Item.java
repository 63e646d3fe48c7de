package hudson.model;

import hudson.search.SearchableModelObject;
import hudson.security.AccessControlled;
import jenkins.util.io.OnMaster;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface Item extends PersistenceRoot, SearchableModelObject, AccessControlled, OnMaster {
}
