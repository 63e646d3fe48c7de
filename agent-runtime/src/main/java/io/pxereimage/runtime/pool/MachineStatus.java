package io.pxereimage.runtime.pool;

import java.time.Instant;
import java.util.Set;

/**
 * One machine's row in the store.
 *
 * @param lease the lease holding it; set exactly in the {@link MachineState#HELD} states
 * @param owner the runtime that drives it (power, boot, deploy): the one on its network
 * @param failures consecutive failures; reset when a clean succeeds
 * @param since when it entered {@code state}: phase timeouts count from here
 * @param version bumped on every change: transitions are compare-and-set on it
 * @param unreachableSince when its site ({@code owner}) was marked unreachable, {@code null} while the site is live:
 *        {@code state} is then the last state the site wrote, and the machine is not granted (docs/sites.md)
 */
public record MachineStatus(String name, Set<String> labels, MachineState state, String lease, String owner,
        int failures, String message, Instant since, long version, Instant unreachableSince) {

    /** A machine of a live site. */
    public MachineStatus(String name, Set<String> labels, MachineState state, String lease, String owner,
            int failures, String message, Instant since, long version) {
        this(name, labels, state, lease, owner, failures, message, since, version, null);
    }

    public boolean unreachable() {
        return unreachableSince != null;
    }
}
