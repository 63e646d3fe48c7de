package io.pxereimage.runtime.api;

import java.time.Instant;
import java.util.List;

import io.pxereimage.runtime.pool.MachineStatus;

/** A pool machine as the API shows it: where it is in its life, who holds it. Labels sorted. */
public record PoolMachineJson(String name, List<String> labels, String state, String lease, String owner,
        int failures, String message, Instant since) {

    public static PoolMachineJson from(MachineStatus m) {
        return new PoolMachineJson(m.name(), m.labels().stream().sorted().toList(), m.state().wireName(), m.lease(),
                m.owner(), m.failures(), m.message(), m.since());
    }
}
