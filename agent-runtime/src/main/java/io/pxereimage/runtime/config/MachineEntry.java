package io.pxereimage.runtime.config;

import java.util.List;
import java.util.Locale;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.net.MacAddress;

/**
 * One known machine in the config file.
 *
 * @param mac its boot NIC
 * @param name a human name
 * @param action {@code boot} (default), {@code local} or {@code deploy}
 * @param kernel required for {@code boot}: a path under the files root or an http(s) URL
 * @param initrds the same forms as {@code kernel}
 * @param cmdline the kernel command line
 */
public record MachineEntry(MacAddress mac, String name, String action, String kernel, List<String> initrds,
        String cmdline) {
    public MachineEntry {
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

    public MachinePlan toPlan() {
        MachinePlan.Action a = MachinePlan.Action.valueOf(action.toUpperCase(Locale.ROOT));
        return new MachinePlan(mac, name, a, kernel == null ? null : new BootSpec(kernel, initrds, cmdline));
    }
}
