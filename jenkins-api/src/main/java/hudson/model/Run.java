package hudson.model;

import hudson.EnvVars;
import hudson.ExtensionPoint;
import hudson.security.AccessControlled;
import java.io.IOException;
import jenkins.console.WithConsoleUrl;
import jenkins.model.HistoricalBuild;
import jenkins.util.io.OnMaster;
import org.kohsuke.stapler.StaplerProxy;

public abstract class Run<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> extends Actionable implements ExtensionPoint, Comparable<RunT>, AccessControlled, PersistenceRoot, DescriptorByNameOwner, OnMaster, StaplerProxy, HistoricalBuild, WithConsoleUrl {
    protected Run(JobT job) throws IOException { throw new UnsupportedOperationException("compile-only stand-in"); }

    public JobT getParent() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public int getNumber() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getFullDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getUrl() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getExternalizableId() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public EnvVars getEnvironment(TaskListener listener) throws IOException, InterruptedException { throw new UnsupportedOperationException("compile-only stand-in"); }
}
