package io.pxereimage.jenkins;

import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

import hudson.Extension;
import hudson.model.TaskListener;

/**
 * {@code pxeReimage machines: ['r1', 'r2'], image: 'ubuntu-24.04', wait: true}: reimages machines of the
 * runtime and streams the jobs' progress into the build log. Needs no node (it talks to the runtime only).
 * Registered only when workflow-step-api is installed (an optional dependency).
 */
public class PxeReimageStep extends Step {
    private final List<String> machines;
    private final String image;
    private boolean wait = true;
    private int timeoutMinutes = 60;

    @DataBoundConstructor
    public PxeReimageStep(List<String> machines, String image) {
        this.machines = machines == null ? List.of() : List.copyOf(machines);
        this.image = image;
    }

    public List<String> getMachines() {
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

    @Override
    public StepExecution start(StepContext context) {
        return new Execution(context, new ArrayList<>(machines), image, wait, timeoutMinutes);
    }

    static final class Execution extends SynchronousNonBlockingStepExecution<Void> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final ArrayList<String> machines;
        private final String image;
        private final boolean wait;
        private final int timeoutMinutes;

        Execution(StepContext context, ArrayList<String> machines, String image, boolean wait, int timeoutMinutes) {
            super(context);
            this.machines = machines;
            this.image = image;
            this.wait = wait;
            this.timeoutMinutes = timeoutMinutes;
        }

        @Override
        protected Void run() throws Exception {
            ReimageRun.run(machines, image, wait, timeoutMinutes, getContext().get(TaskListener.class).getLogger());
            return null;
        }
    }

    @Extension(optional = true)
    @Symbol("pxeReimage")
    public static final class DescriptorImpl extends StepDescriptor {
        @Override
        public String getFunctionName() {
            return "pxeReimage";
        }

        @Override
        public String getDisplayName() {
            return "Reimage bare-metal machines (PXE Reimage)";
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(TaskListener.class);
        }
    }
}
