package io.pxereimage.jenkins.core;

import java.time.Duration;

/**
 * Cloud-wide settings of a {@link Provisioner}.
 *
 * @param clientId this cloud's name at the runtime: its leases are the ones it heartbeats, reconciles and releases;
 *                 unique per Jenkins controller and cloud so that controllers never touch each other's leases
 * @param jenkinsUrl the controller's URL, given to machines in their first-boot data
 * @param instanceCap nodes at once for the whole cloud, in flight included; 0 = no cloud cap
 * @param launchTimeout how long a machine may take, once ready, until its agent connects; then it is released
 * @param heartbeatSeconds lease heartbeat period the runtime enforces; heartbeats go every third of it
 * @param readyTimeoutSeconds how long a lease may take to be ready; null for the runtime's default
 * @param failuresBeforeBackoff consecutive failures of a template before it backs off
 * @param backoffBase the first backoff; each further failure doubles it
 * @param backoffMax the longest backoff
 * @param pollInterval how often leases in flight are checked (and heartbeats and launch timeouts looked at)
 * @param reconcileGrace a lease this young is not released by the {@link Reconciler} for lack of a node
 */
public record CloudSettings(String clientId, String jenkinsUrl, int instanceCap, Duration launchTimeout,
        int heartbeatSeconds, Integer readyTimeoutSeconds, int failuresBeforeBackoff, Duration backoffBase,
        Duration backoffMax, Duration pollInterval, Duration reconcileGrace) {

    public CloudSettings {
        if (clientId == null || clientId.isBlank() || clientId.length() > 256) {
            throw new IllegalArgumentException("clientId: required, 1..256 characters");
        }
        if (jenkinsUrl == null || !(jenkinsUrl.startsWith("http://") || jenkinsUrl.startsWith("https://"))) {
            throw new IllegalArgumentException("jenkinsUrl: the controller's http(s) URL is needed by the agents"
                    + " (configure Jenkins URL), not '" + jenkinsUrl + "'");
        }
        if (instanceCap < 0) {
            throw new IllegalArgumentException("instanceCap: must be 0 (no cap) or more, not " + instanceCap);
        }
        if (heartbeatSeconds < 2 || heartbeatSeconds > 86_400) {
            throw new IllegalArgumentException("heartbeatSeconds: " + heartbeatSeconds + " is outside 2..86400");
        }
        if (failuresBeforeBackoff < 1) {
            throw new IllegalArgumentException("failuresBeforeBackoff: must be at least 1");
        }
        positive("launchTimeout", launchTimeout);
        positive("backoffBase", backoffBase);
        positive("backoffMax", backoffMax);
        positive("pollInterval", pollInterval);
        if (reconcileGrace == null || reconcileGrace.isNegative()) {
            throw new IllegalArgumentException("reconcileGrace: must be zero or more");
        }
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(field + ": must be positive");
        }
    }

    /**
     * The defaults: no cloud cap, 10 minutes to connect, heartbeats every 20 s of 60, back off after 3 failures
     * for 1 minute doubling up to 30, poll every 2 s, 5 minutes of grace.
     */
    public static CloudSettings defaults(String clientId, String jenkinsUrl) {
        return new CloudSettings(clientId, jenkinsUrl, 0, Duration.ofMinutes(10), 60, null, 3,
                Duration.ofMinutes(1), Duration.ofMinutes(30), Duration.ofSeconds(2), Duration.ofMinutes(5));
    }

    public CloudSettings withInstanceCap(int cap) {
        return new CloudSettings(clientId, jenkinsUrl, cap, launchTimeout, heartbeatSeconds, readyTimeoutSeconds,
                failuresBeforeBackoff, backoffBase, backoffMax, pollInterval, reconcileGrace);
    }

    public CloudSettings withLaunchTimeout(Duration d) {
        return new CloudSettings(clientId, jenkinsUrl, instanceCap, d, heartbeatSeconds, readyTimeoutSeconds,
                failuresBeforeBackoff, backoffBase, backoffMax, pollInterval, reconcileGrace);
    }

    public CloudSettings withHeartbeatSeconds(int s) {
        return new CloudSettings(clientId, jenkinsUrl, instanceCap, launchTimeout, s, readyTimeoutSeconds,
                failuresBeforeBackoff, backoffBase, backoffMax, pollInterval, reconcileGrace);
    }

    public CloudSettings withBackoff(int failures, Duration base, Duration max) {
        return new CloudSettings(clientId, jenkinsUrl, instanceCap, launchTimeout, heartbeatSeconds,
                readyTimeoutSeconds, failures, base, max, pollInterval, reconcileGrace);
    }

    public CloudSettings withPollInterval(Duration d) {
        return new CloudSettings(clientId, jenkinsUrl, instanceCap, launchTimeout, heartbeatSeconds,
                readyTimeoutSeconds, failuresBeforeBackoff, backoffBase, backoffMax, d, reconcileGrace);
    }

    public CloudSettings withReconcileGrace(Duration d) {
        return new CloudSettings(clientId, jenkinsUrl, instanceCap, launchTimeout, heartbeatSeconds,
                readyTimeoutSeconds, failuresBeforeBackoff, backoffBase, backoffMax, pollInterval, d);
    }
}
