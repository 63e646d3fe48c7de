package jenkins.scm;

import hudson.model.Job;
import hudson.model.Run;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */
public interface RunWithSCM<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT> & RunWithSCM<JobT, RunT>> {
}
