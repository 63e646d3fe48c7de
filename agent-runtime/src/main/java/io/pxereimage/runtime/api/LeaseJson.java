package io.pxereimage.runtime.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.pxereimage.runtime.pool.Lease;
import io.pxereimage.runtime.pool.MachineState;

/**
 * A lease as the API shows it. First-boot data values may be secrets: only their keys ({@code dataKeys}) are
 * shown, sorted. {@code machineState} is where the leased machine is now ({@code null} before a grant). {@code site}
 * is the site whose machine serves it ({@code null} before a grant), {@code origin} the site that took the request.
 */
public record LeaseJson(String id, String client, String labels, String image, String hostname,
        List<String> dataKeys, @JsonProperty("wait") boolean waitForMachine, String state, String machine, String machineState, String message,
        Instant created, Instant deadline, Instant expires, Instant readyAt, Instant endedAt, int heartbeatSeconds,
        String site, String origin) {

    public static LeaseJson from(Lease l, MachineState machineState) {
        Lease.FirstBootData fb = l.firstBoot();
        return new LeaseJson(l.id(), l.client(), l.labels(), l.image(), fb == null ? null : fb.hostname(),
                fb == null ? List.of() : fb.data().keySet().stream().sorted().toList(), l.waitForMachine(),
                l.state().wireName(), l.machine(), machineState == null ? null : machineState.wireName(),
                l.message(), l.created(), l.deadline(), l.expires(), l.readyAt(), l.endedAt(), l.heartbeatSeconds(),
                l.site(), l.origin());
    }
}
