package io.pxereimage.jenkins;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;

import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import hudson.util.FormValidation;
import jenkins.tasks.SimpleBuildStep;

/** The freestyle form of {@code pxeReimage}: machines separated by spaces, commas or new lines. */
public class PxeReimageBuilder extends Builder implements SimpleBuildStep {
    private final String machines;
    private final String image;
    private boolean wait = true;
    private int timeoutMinutes = 60;

    @DataBoundConstructor
    public PxeReimageBuilder(String machines, String image) {
        this.machines = machines == null ? "" : machines.strip();
        this.image = image;
    }

    public String getMachines() {
        return machines;
    }

    public String getImage() {
        return image;
    }

    public boolean isWait() {
        return wait;
    }

    @DataBoundSetter
    public void setWait(boolean wait) {
        this.wait = wait;
    }

    public int getTimeoutMinutes() {
        return timeoutMinutes;
    }

    @DataBoundSetter
    public void setTimeoutMinutes(int timeoutMinutes) {
        this.timeoutMinutes = timeoutMinutes;
    }

    static List<String> split(String machines) {
        return machines == null ? List.of()
                : Arrays.stream(machines.split("[\\s,]+")).filter(m -> !m.isEmpty()).toList();
    }

    @Override
    public boolean requiresWorkspace() {
        return false;
    }

    @Override
    public void perform(Run<?, ?> run, EnvVars env, TaskListener listener) throws InterruptedException, IOException {
        ReimageRun.run(split(env.expand(machines)), env.expand(image), wait, timeoutMinutes, listener.getLogger());
    }

    @Override
    public void perform(Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws InterruptedException, IOException {
        perform(run, env, listener);
    }

    @Extension
    @Symbol("pxeReimageBuilder")
    public static final class DescriptorImpl extends BuildStepDescriptor<Builder> {
        @Override
        @SuppressWarnings("rawtypes") // Jenkins' signature
        public boolean isApplicable(Class<? extends AbstractProject> jobType) {
            return true;
        }

        @Override
        public String getDisplayName() {
            return "Reimage bare-metal machines (PXE Reimage)";
        }

        public FormValidation doCheckMachines(@QueryParameter String value) {
            return split(value).isEmpty() ? FormValidation.error("At least one machine (name or MAC)")
                    : FormValidation.ok();
        }

        public FormValidation doCheckImage(@QueryParameter String value) {
            return FormValidation.validateRequired(value);
        }
    }
}
