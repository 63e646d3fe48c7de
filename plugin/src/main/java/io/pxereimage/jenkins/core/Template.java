package io.pxereimage.jenkins.core;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import io.pxereimage.runtime.pool.LabelExpression;

/**
 * A kind of agent the cloud provisions: which machines (a runtime label expression) with which image, and what the
 * resulting Jenkins node looks like.
 *
 * @param name short and unique in the cloud; node names are {@code NAME-xxxxxxxx} (also the machine's host name)
 * @param labels the node's Jenkins labels, separated by spaces; Jenkins label expressions are matched against them
 * @param machineLabels the runtime label expression choosing pool machines ({@code metal && x86}); empty: any
 * @param image the runtime catalog's image; null for the pool's default
 * @param instanceCap nodes of this template at once, in flight included; 0 = no template cap
 * @param idleMinutes 0 = single use (terminated after one build); otherwise terminated after this long idle
 * @param numExecutors executors per node
 * @param remoteFS the agent's work directory on the machine
 * @param jvmOptions extra JVM options for the agent process (first-boot data), or null
 */
public record Template(String name, String labels, String machineLabels, String image, int instanceCap,
        int idleMinutes, int numExecutors, String remoteFS, String jvmOptions) {

    public Template {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,39}")) {
            throw new IllegalArgumentException("name: 1..40 of a-z, 0-9 and '-', starting with a letter or digit"
                    + " (it starts node and host names), not '" + name + "'");
        }
        labels = labels == null ? "" : labels.strip();
        machineLabels = machineLabels == null ? "" : machineLabels.strip();
        try {
            LabelExpression.parse(machineLabels);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("machineLabels: " + e.getMessage(), e);
        }
        image = image == null || image.isBlank() ? null : image.strip();
        if (instanceCap < 0) {
            throw new IllegalArgumentException("instanceCap: must be 0 (no cap) or more, not " + instanceCap);
        }
        if (idleMinutes < 0) {
            throw new IllegalArgumentException("idleMinutes: must be 0 (single use) or more, not " + idleMinutes);
        }
        if (numExecutors < 1) {
            throw new IllegalArgumentException("numExecutors: must be at least 1, not " + numExecutors);
        }
        remoteFS = remoteFS == null || remoteFS.isBlank() ? "/var/lib/jenkins-agent" : remoteFS.strip();
        jvmOptions = jvmOptions == null || jvmOptions.isBlank() ? null : jvmOptions.strip();
    }

    /** A template with the defaults: no cap, single use, one executor. */
    public static Template of(String name, String labels, String machineLabels, String image) {
        return new Template(name, labels, machineLabels, image, 0, 0, 1, null, null);
    }

    public Template withInstanceCap(int cap) {
        return new Template(name, labels, machineLabels, image, cap, idleMinutes, numExecutors, remoteFS, jvmOptions);
    }

    public Template withIdleMinutes(int minutes) {
        return new Template(name, labels, machineLabels, image, instanceCap, minutes, numExecutors, remoteFS,
                jvmOptions);
    }

    public Template withNumExecutors(int n) {
        return new Template(name, labels, machineLabels, image, instanceCap, idleMinutes, n, remoteFS, jvmOptions);
    }

    public Set<String> labelSet() {
        return labels.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(labels.split("\\s+")));
    }

    /**
     * Whether nodes of this template satisfy a Jenkins label expression. Work without a label is taken only by
     * templates without labels: a labelled bare-metal template is never spent on any unlabelled job.
     */
    public boolean satisfies(String requested) {
        if (requested == null || requested.isBlank()) {
            return labels.isEmpty();
        }
        try {
            return LabelExpression.parse(requested).test(labelSet());
        } catch (IllegalArgumentException e) {
            return false; // not an expression we understand: not ours to provision
        }
    }

    public boolean singleUse() {
        return idleMinutes == 0;
    }
}
