package hudson.model.queue;

import hudson.model.ResourceActivity;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public interface SubTask extends ResourceActivity {
}
