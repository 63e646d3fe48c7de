package hudson.model;

import hudson.model.Queue.Task;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface BuildableItem extends Item, Task {
}
