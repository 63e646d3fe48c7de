package io.pxereimage.runtime.api;

import java.util.List;
import java.util.Locale;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;

/**
 * A machine plan as the REST API shows it. Flat on purpose (no nested spec object) so that curl one-liners stay
 * short: {@code {"name":"rack1-07","action":"boot","kernel":"vmlinuz","initrds":["initrd.img"],"cmdline":"quiet"}}.
 */
public record MachineJson(String mac, String name, String action, String kernel, List<String> initrds,
        String cmdline) {

    public static MachineJson from(MachinePlan plan) {
        BootSpec spec = plan.spec();
        return new MachineJson(plan.mac().toString(), plan.name(), plan.action().name().toLowerCase(Locale.ROOT),
                spec == null ? null : spec.kernel(),
                spec == null ? List.of() : spec.initrds(),
                spec == null ? null : spec.cmdline());
    }
}
