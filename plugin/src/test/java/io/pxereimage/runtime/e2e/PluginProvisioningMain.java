package io.pxereimage.runtime.e2e;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.pxereimage.jenkins.core.CloudSettings;
import io.pxereimage.jenkins.core.PlannedLease;
import io.pxereimage.jenkins.core.Provisioner;
import io.pxereimage.jenkins.core.RuntimeClient;
import io.pxereimage.jenkins.core.Template;

/**
 * What the cloud does for one node, outside Jenkins, for {@link PluginProvisioningE2EIT}: it runs in the lab's
 * server namespace (where the runtime listens), provisions one node for label {@code metal} through the plugin's
 * {@link Provisioner}, waits for the lease to be ready, prints {@code node NAME lease ID machine M}, waits for the
 * test to look at the machine (the file RELEASE_SIGNAL appears), then releases the node as Jenkins does when it
 * terminates it. Exit 0 on success; otherwise 1 with the reason.
 *
 * <p>Arguments: RUNTIME_URL TOKEN_FILE JENKINS_URL SECRET_FILE RELEASE_SIGNAL READY_TIMEOUT_SECONDS. The API token
 * and the agent secret are read from files, never taken from the command line.
 */
public final class PluginProvisioningMain {
    static final String LABEL = "metal";
    static final String CLIENT = "pxj-e2e-cloud";

    private PluginProvisioningMain() {
    }

    public static void main(String[] args) {
        try {
            if (args.length != 6) {
                throw new IllegalArgumentException("usage: RUNTIME_URL TOKEN_FILE JENKINS_URL SECRET_FILE"
                        + " RELEASE_SIGNAL READY_TIMEOUT_SECONDS");
            }
            run(URI.create(args[0]), Path.of(args[1]), args[2], Path.of(args[3]), Path.of(args[4]),
                    Duration.ofSeconds(Long.parseLong(args[5])));
            System.exit(0);
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
            System.exit(1);
        }
    }

    private static void run(URI runtimeUrl, Path tokenFile, String jenkinsUrl, Path secretFile, Path releaseSignal,
            Duration readyTimeout) throws Exception {
        String secret = Files.readString(secretFile).strip();
        RuntimeClient client = new RuntimeClient(runtimeUrl, Files.readString(tokenFile).strip());
        CloudSettings settings = CloudSettings.defaults(CLIENT, jenkinsUrl).withPollInterval(Duration.ofSeconds(1));
        Template template = Template.of("metal", "metal x86", "metal && x86", "demo").withInstanceCap(1);
        // Jenkins derives the secret from the node name; here it is the test's random value whatever the name.
        try (Provisioner provisioner = new Provisioner(client, settings, List.of(template), node -> secret, null,
                Clock.systemUTC())) {
            List<PlannedLease> planned = provisioner.provision(LABEL, 1);
            if (planned.size() != 1) {
                throw new IllegalStateException("planned " + planned.size() + " nodes for one executor of '" + LABEL
                        + "'");
            }
            PlannedLease p = planned.get(0);
            System.out.println("planned node " + p.nodeName());
            PlannedLease.Ready ready;
            try {
                ready = p.ready().get(readyTimeout.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("not ready: " + e.getCause().getMessage(), e.getCause());
            }
            System.out.println("ready node " + ready.nodeName() + " lease " + ready.leaseId() + " machine "
                    + ready.machine());

            long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!Files.exists(releaseSignal)) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("no release signal " + releaseSignal + " within 5 minutes");
                }
                Thread.sleep(200);
            }
            // Jenkins terminates the node: the provisioner releases its lease, the runtime cleans the machine.
            if (!provisioner.release(ready.nodeName(), "node terminated")) {
                throw new IllegalStateException("the provisioner held no lease for " + ready.nodeName());
            }
            System.out.println("released node " + ready.nodeName());
        }
    }
}
