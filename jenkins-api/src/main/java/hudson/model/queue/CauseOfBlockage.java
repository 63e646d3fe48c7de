package hudson.model.queue;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public abstract class CauseOfBlockage {
    public abstract String getShortDescription();
}
