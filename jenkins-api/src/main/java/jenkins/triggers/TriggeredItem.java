package jenkins.triggers;

import hudson.model.Item;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface TriggeredItem extends Item {
}
