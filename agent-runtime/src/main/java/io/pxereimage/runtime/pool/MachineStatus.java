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
 */
public record MachineStatus(String name, Set<String> labels, MachineState state, String lease, String owner,
        int failures, String message, Instant since, long version) {
}
