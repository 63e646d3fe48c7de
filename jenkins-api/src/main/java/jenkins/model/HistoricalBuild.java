package jenkins.model;

import hudson.model.ModelObject;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types; only the members Run overrides. */
public interface HistoricalBuild extends ModelObject {
    int getNumber();

    String getUrl();

    String getFullDisplayName();
}
