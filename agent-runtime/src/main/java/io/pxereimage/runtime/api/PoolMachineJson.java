package io.pxereimage.runtime.api;

import java.time.Instant;
import java.util.List;

import io.pxereimage.runtime.pool.MachineStatus;

/**
 * A pool machine as the API shows it: where it is in its life, who holds it. Labels sorted. {@code site} is the
 * site that drives it (the same as {@code owner}); {@code unreachable} is true while that site is marked
 * unreachable, and {@code state} is then the last state the site wrote (docs/sites.md).
 */
public record PoolMachineJson(String name, List<String> labels, String state, String lease, String owner,
        int failures, String message, Instant since, String site, boolean unreachable, Instant unreachableSince) {

    public static PoolMachineJson from(MachineStatus m) {
        return new PoolMachineJson(m.name(), m.labels().stream().sorted().toList(), m.state().wireName(), m.lease(),
                m.owner(), m.failures(), m.message(), m.since(), m.owner(), m.unreachable(), m.unreachableSince());
    }
}
