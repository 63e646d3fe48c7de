package io.pxereimage.jenkins.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings Jenkins' nodes and the runtime's leases of this cloud together, periodically and after a controller
 * restart. The runtime's lease list (this cloud's client id, live states) is the truth, never this process's
 * memory, so it works the same after a restart:
 * <ul>
 *   <li>a lease whose node exists is adopted by the {@link Provisioner} if it does not hold it (heartbeats resume,
 *       caps count it);</li>
 *   <li>a lease without a node is released, unless the provisioner is still bringing it up (in flight, or ready
 *       and waiting for its agent under the launch timeout), or it is younger than the grace period (its node may
 *       be about to be added);</li>
 *   <li>a node whose lease is gone is reported, for Jenkins to remove.</li>
 * </ul>
 * Node and machine are paired by name: a lease's host name is its node's name.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    /** A node of this cloud as Jenkins has it. */
    public record Node(String name, boolean connected) {
    }

    /** What one pass did. */
    public record Result(List<String> adopted, List<String> releasedLeases, List<String> nodesWithoutLease) {
    }

    private final RuntimeClient runtime;
    private final Provisioner provisioner;
    private final Clock clock;

    public Reconciler(RuntimeClient runtime, Provisioner provisioner, Clock clock) {
        this.runtime = runtime;
        this.provisioner = provisioner;
        this.clock = clock;
    }

    /**
     * One pass. Jenkins' nodes are read before the runtime's leases, so a node added during the pass cannot look
     * like a node without a lease.
     *
     * @param nodes this cloud's nodes in Jenkins now
     * @throws RuntimeApiException when the runtime cannot list the leases (nothing was changed then)
     */
    public Result reconcile(Collection<Node> nodes) throws RuntimeApiException {
        Map<String, Node> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        List<RuntimeClient.Lease> leases = runtime.activeLeases(provisioner.settings().clientId());
        Instant now = clock.instant();
        Duration grace = provisioner.settings().reconcileGrace();
        List<String> adopted = new ArrayList<>();
        List<String> released = new ArrayList<>();
        Set<String> leased = new HashSet<>();
        for (RuntimeClient.Lease l : leases) {
            leased.add(l.hostname());
            Node node = l.hostname() == null ? null : byName.get(l.hostname());
            if (node != null) {
                if (provisioner.adopt(l, node.connected())) {
                    adopted.add(l.hostname());
                } else if (node.connected()) {
                    provisioner.connected(node.name());
                }
                continue;
            }
            Optional<Provisioner.Phase> phase = provisioner.phase(l.hostname());
            if (phase.isPresent() && phase.get() != Provisioner.Phase.CONNECTED) {
                continue; // still being brought up: the provisioner's own timeouts apply
            }
            if (phase.isEmpty() && l.created() != null && Duration.between(l.created(), now).compareTo(grace) < 0) {
                continue;
            }
            String why = "no Jenkins node " + l.hostname() + " for lease " + l.id();
            if (!provisioner.release(l.hostname(), why)) {
                LOG.info("reconcile: releasing lease {} ({}): its node {} does not exist", l.id(), l.state(),
                        l.hostname());
                runtime.release(l.id());
            }
            released.add(l.id());
        }
        List<String> orphans = new ArrayList<>();
        for (Node n : nodes) {
            if (!leased.contains(n.name())) {
                orphans.add(n.name());
                LOG.info("reconcile: node {} has no live lease at the runtime: remove it", n.name());
            }
        }
        return new Result(adopted, released, orphans);
    }
}
