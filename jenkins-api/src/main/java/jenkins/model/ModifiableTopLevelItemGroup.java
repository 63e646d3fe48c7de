package jenkins.model;

import hudson.model.ModifiableItemGroup;
import hudson.model.TopLevelItem;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface ModifiableTopLevelItemGroup extends ModifiableItemGroup<TopLevelItem> {
}
