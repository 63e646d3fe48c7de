package hudson.model;

import hudson.ExtensionPoint;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface TopLevelItem extends Item, ExtensionPoint, Describable<TopLevelItem> {
}
