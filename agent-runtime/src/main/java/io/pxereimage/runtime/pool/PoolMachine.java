package io.pxereimage.runtime.pool;

import java.util.List;
import java.util.Set;

import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.power.BmcSpec;

/**
 * A machine of the pool as configured: what it is, not where it is in its life ({@link MachineStatus}).
 *
 * @param disk the target disk for deploys: a device path or {@code null} for the smallest-fit rule
 */
public record PoolMachine(String name, List<MacAddress> macs, Set<String> labels, BmcSpec bmc, String disk) {
    public PoolMachine {
        macs = List.copyOf(macs);
        labels = Set.copyOf(labels);
        if (macs.isEmpty()) {
            throw new IllegalArgumentException("machine " + name + ": needs a MAC");
        }
    }

    /** The boot NIC: the first MAC. */
    public MacAddress bootMac() {
        return macs.get(0);
    }
}
