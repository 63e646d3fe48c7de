package jenkins.widgets;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public interface HasWidgets {
}
