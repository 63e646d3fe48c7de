package io.pxereimage.runtime.device;

import io.pxereimage.protocol.Job;

/** The wire names of job kinds ({@code type} in JSON). */
public final class JobTypes {
    private JobTypes() {
    }

    public static String name(Job job) {
        if (job instanceof Job.DeployImage) {
            return "deploy-image";
        } else if (job instanceof Job.Wipe) {
            return "wipe";
        } else if (job instanceof Job.Run) {
            return "run";
        } else if (job instanceof Job.Reboot) {
            return "reboot";
        }
        return "poweroff";
    }
}
