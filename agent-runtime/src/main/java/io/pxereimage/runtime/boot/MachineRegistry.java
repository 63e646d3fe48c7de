package io.pxereimage.runtime.boot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;

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
    private volatile BiConsumer<MacAddress, MachinePlan> listener = (mac, plan) -> { };

    public MachineRegistry() {
    }

    public MachineRegistry(Collection<MachinePlan> initial, BootSpec defaultSpec) {
        initial.forEach(p -> plans.put(p.mac(), p));
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
        Optional<MachinePlan> previous = Optional.ofNullable(plans.put(plan.mac(), plan));
        listener.accept(plan.mac(), plan);
        return previous;
    }

    public Optional<MachinePlan> remove(MacAddress mac) {
        Optional<MachinePlan> previous = Optional.ofNullable(plans.remove(mac));
        previous.ifPresent(p -> listener.accept(mac, null));
        return previous;
    }

    /** A plan by its name (first match in MAC order), else by MAC. */
    public Optional<MachinePlan> find(String nameOrMac) {
        for (MachinePlan p : list()) {
            if (p.name().equals(nameOrMac)) {
                return Optional.of(p);
            }
        }
        try {
            return get(MacAddress.parse(nameOrMac));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Told after every {@link #put} and {@link #remove} (plan {@code null} when removed), on the caller's thread:
     * the hook that persists plans changed at runtime. Plans given to the constructor are not reported.
     */
    public void onChange(BiConsumer<MacAddress, MachinePlan> l) {
        this.listener = l == null ? (mac, plan) -> { } : l;
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
