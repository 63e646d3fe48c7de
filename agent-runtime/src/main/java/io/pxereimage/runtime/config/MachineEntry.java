package io.pxereimage.runtime.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.pool.PoolMachine;

/**
 * One known machine in the config file.
 *
 * @param mac its boot NIC
 * @param name a human name
 * @param action {@code boot} (default), {@code local} or {@code deploy}
 * @param kernel required for {@code boot}: a path under the files root or an http(s) URL
 * @param initrds the same forms as {@code kernel}
 * @param cmdline the kernel command line
 * @param labels pool labels ({@code metal}, {@code x86}) that lease label expressions match
 * @param bmc how to power it; a machine with a {@code bmc} is in the pool (driver {@code manual} for none)
 * @param disk the deploy target of pool leases: a device path, or absent for the smallest disk that fits
 */
public record MachineEntry(MacAddress mac, String name, String action, String kernel, List<String> initrds,
        String cmdline, List<String> labels, BmcSection bmc, String disk) {
    public MachineEntry {
        labels = labels == null ? List.of() : List.copyOf(labels);
        for (String l : labels) {
            if (l == null || l.isBlank() || l.matches(".*[\\s()!&|\"].*") || l.contains("->")) {
                throw new IllegalArgumentException("labels: '" + l + "' is not a label (no spaces, quotes,"
                        + " parentheses or operators)");
            }
        }
        if (bmc != null && (name == null || name.isBlank())) {
            throw new IllegalArgumentException("name: required for a pool machine (one with a bmc)");
        }
        if (disk != null && (!disk.matches("/dev/[A-Za-z0-9/_.:-]{1,120}") || disk.contains(".."))) {
            throw new IllegalArgumentException("disk: must be a device path such as /dev/vda");
        }
        if (mac == null) {
            throw new IllegalArgumentException("mac: required");
        }
        action = action == null ? "boot" : action.toLowerCase(Locale.ROOT);
        if (!action.equals("boot") && !action.equals("local") && !action.equals("deploy")) {
            throw new IllegalArgumentException("action: must be boot, local or deploy, not '" + action + "'");
        }
        if (action.equals("boot") && (kernel == null || kernel.isBlank())) {
            throw new IllegalArgumentException("kernel: required when action is boot");
        }
    }

    /** In the pool when it has a BMC section. */
    public boolean pooled() {
        return bmc != null;
    }

    /** The pool's view of it; reads the BMC password file. */
    public PoolMachine toPoolMachine() {
        return new PoolMachine(name, List.of(mac), new LinkedHashSet<>(labels), bmc.toSpec(), disk);
    }

    public MachinePlan toPlan() {
        MachinePlan.Action a = MachinePlan.Action.valueOf(action.toUpperCase(Locale.ROOT));
        return new MachinePlan(mac, name, a, kernel == null ? null : new BootSpec(kernel, initrds, cmdline));
    }
}
