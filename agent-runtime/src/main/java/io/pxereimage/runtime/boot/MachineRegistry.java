package io.pxereimage.runtime.boot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.pxereimage.runtime.net.MacAddress;

/**
 * The boot plans the runtime knows, by MAC. Reads are lock-free map look-ups: the DHCP responder asks on the
 * packet path, so this must answer in microseconds.
 *
 * <p>A machine without a plan is unknown and gets no answer, unless a {@code defaultSpec} was configured
 * ("answer every PXE client", as {@code pxe-runtime boot} does without {@code --mac}).
 */
public final class MachineRegistry {
    private final ConcurrentMap<MacAddress, MachinePlan> plans = new ConcurrentHashMap<>();
    private volatile BootSpec defaultSpec;

    public MachineRegistry() {
    }

    public MachineRegistry(Collection<MachinePlan> initial, BootSpec defaultSpec) {
        initial.forEach(this::put);
        this.defaultSpec = defaultSpec;
    }

    /** The plan for {@code mac}: its own, else one built from the default spec, else empty (unknown). */
    public Optional<MachinePlan> planFor(MacAddress mac) {
        MachinePlan plan = plans.get(mac);
        if (plan != null) {
            return Optional.of(plan);
        }
        BootSpec fallback = defaultSpec;
        return fallback == null ? Optional.empty() : Optional.of(MachinePlan.boot(mac, null, fallback));
    }

    /** Only explicitly configured plans, in MAC order. */
    public List<MachinePlan> list() {
        List<MachinePlan> all = new ArrayList<>(plans.values());
        all.sort(Comparator.comparing(MachinePlan::mac));
        return all;
    }

    public Optional<MachinePlan> get(MacAddress mac) {
        return Optional.ofNullable(plans.get(mac));
    }

    /** Adds or replaces a plan; returns the previous one. */
    public Optional<MachinePlan> put(MachinePlan plan) {
        return Optional.ofNullable(plans.put(plan.mac(), plan));
    }

    public Optional<MachinePlan> remove(MacAddress mac) {
        return Optional.ofNullable(plans.remove(mac));
    }

    /** Whether unknown MACs are answered. Off unless configured: a PXE server must not take over other machines. */
    public boolean answersUnknown() {
        return defaultSpec != null;
    }

    public Optional<BootSpec> defaultSpec() {
        return Optional.ofNullable(defaultSpec);
    }

    public void setDefaultSpec(BootSpec spec) {
        this.defaultSpec = spec;
    }
}
