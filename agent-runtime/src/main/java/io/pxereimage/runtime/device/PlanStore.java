package io.pxereimage.runtime.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Keeps plans changed at runtime (API, deploy flow) in {@code plans.json}, so that a restarted runtime still knows
 * that a deployed machine boots locally. The config file gives the initial state; stored changes are applied on
 * top of it at start: a plan replaces the configured one, a deletion removes it.
 */
public final class PlanStore {
    private static final Logger LOG = LoggerFactory.getLogger(PlanStore.class);

    /** A stored plan, or a deletion ({@code deleted} true). */
    public record Stored(MacAddress mac, String name, String action, String kernel, List<String> initrds,
            String cmdline, boolean deleted) {
        static Stored of(MacAddress mac, MachinePlan p) {
            if (p == null) {
                return new Stored(mac, null, null, null, null, null, true);
            }
            BootSpec s = p.spec();
            return new Stored(mac, p.name(), p.action().name().toLowerCase(Locale.ROOT),
                    s == null ? null : s.kernel(), s == null ? null : s.initrds(), s == null ? null : s.cmdline(),
                    false);
        }

        MachinePlan toPlan() {
            BootSpec spec = kernel == null ? null : new BootSpec(kernel, initrds, cmdline);
            return new MachinePlan(mac, name, MachinePlan.Action.valueOf(action.toUpperCase(Locale.ROOT)), spec);
        }
    }

    private final Path file;
    private final Map<MacAddress, Stored> changes = new TreeMap<>();

    public PlanStore(Path file) {
        this.file = file;
    }

    /** Applies the stored changes to {@code registry}, then records every later change of it. */
    public synchronized void attach(MachineRegistry registry) {
        if (file != null && Files.exists(file)) {
            try {
                List<Stored> stored = Json.MAPPER.readValue(file.toFile(),
                        Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Stored.class));
                for (Stored s : stored) {
                    changes.put(s.mac(), s);
                    if (s.deleted()) {
                        registry.remove(s.mac());
                    } else {
                        registry.put(s.toPlan());
                    }
                }
                LOG.info("plans: {} runtime changes restored from {}", stored.size(), file);
            } catch (IOException | RuntimeException e) {
                LOG.warn("plans: cannot read {} ({}), using the config file's plans", file, e.getMessage());
            }
        }
        registry.onChange(this::changed);
    }

    private synchronized void changed(MacAddress mac, MachinePlan plan) {
        changes.put(mac, Stored.of(mac, plan));
        if (file == null) {
            return;
        }
        try {
            Json.writeAtomically(file, new ArrayList<>(changes.values()));
        } catch (IOException e) {
            LOG.warn("plans: cannot write {}: {}", file, e.getMessage());
        }
    }
}
