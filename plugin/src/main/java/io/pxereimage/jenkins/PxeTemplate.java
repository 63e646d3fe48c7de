package io.pxereimage.jenkins;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;

import hudson.Extension;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Descriptor;
import hudson.util.FormValidation;
import io.pxereimage.jenkins.core.Template;

/**
 * A kind of agent a {@link PxeCloud} provisions; configuration only, the rules are {@link Template}'s. The
 * constructor and setters call no Jenkins code, so the data binding can be exercised outside Jenkins.
 */
public class PxeTemplate extends AbstractDescribableImpl<PxeTemplate> {
    private final String name;
    private final String image;
    private String labelString = "";
    private String machineLabels = "";
    private int instanceCap;
    private int idleMinutes;
    private int numExecutors = 1;
    private String remoteFS = "/var/lib/jenkins-agent";
    private String jvmOptions = "";

    @DataBoundConstructor
    public PxeTemplate(String name, String image) {
        this.name = name == null ? "" : name.strip();
        this.image = image == null ? "" : image.strip();
    }

    public String getName() {
        return name;
    }

    public String getImage() {
        return image;
    }

    public String getLabelString() {
        return labelString;
    }

    @DataBoundSetter
    public void setLabelString(String labelString) {
        this.labelString = labelString == null ? "" : labelString.strip();
    }

    public String getMachineLabels() {
        return machineLabels;
    }

    @DataBoundSetter
    public void setMachineLabels(String machineLabels) {
        this.machineLabels = machineLabels == null ? "" : machineLabels.strip();
    }

    public int getInstanceCap() {
        return instanceCap;
    }

    @DataBoundSetter
    public void setInstanceCap(int instanceCap) {
        this.instanceCap = instanceCap;
    }

    public int getIdleMinutes() {
        return idleMinutes;
    }

    @DataBoundSetter
    public void setIdleMinutes(int idleMinutes) {
        this.idleMinutes = idleMinutes;
    }

    public int getNumExecutors() {
        return numExecutors;
    }

    @DataBoundSetter
    public void setNumExecutors(int numExecutors) {
        this.numExecutors = numExecutors;
    }

    public String getRemoteFS() {
        return remoteFS;
    }

    @DataBoundSetter
    public void setRemoteFS(String remoteFS) {
        this.remoteFS = remoteFS == null || remoteFS.isBlank() ? "/var/lib/jenkins-agent" : remoteFS.strip();
    }

    public String getJvmOptions() {
        return jvmOptions;
    }

    @DataBoundSetter
    public void setJvmOptions(String jvmOptions) {
        this.jvmOptions = jvmOptions == null ? "" : jvmOptions.strip();
    }

    /** The core's template; throws {@link IllegalArgumentException} naming the bad field. */
    public Template toTemplate() {
        return new Template(name, labelString, machineLabels, image, instanceCap, idleMinutes, numExecutors, remoteFS,
                jvmOptions);
    }

    @Extension
    @Symbol("pxeTemplate")
    public static final class DescriptorImpl extends Descriptor<PxeTemplate> {
        @Override
        public String getDisplayName() {
            return "PXE Reimage agent template";
        }

        public FormValidation doCheckName(@QueryParameter String value) {
            return check(() -> Template.of(value, null, null, null));
        }

        public FormValidation doCheckMachineLabels(@QueryParameter String value) {
            return check(() -> new Template("x", null, value, null, 0, 0, 1, null, null));
        }

        public FormValidation doCheckInstanceCap(@QueryParameter String value) {
            return FormValidation.validateNonNegativeInteger(value);
        }

        public FormValidation doCheckIdleMinutes(@QueryParameter String value) {
            return FormValidation.validateNonNegativeInteger(value);
        }

        public FormValidation doCheckNumExecutors(@QueryParameter String value) {
            return FormValidation.validatePositiveInteger(value);
        }

        static FormValidation check(Runnable r) {
            try {
                r.run();
                return FormValidation.ok();
            } catch (IllegalArgumentException e) {
                return FormValidation.error(e.getMessage());
            }
        }
    }
}
