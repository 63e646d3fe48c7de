package io.pxereimage.runtime.boot;

import java.util.Objects;

import io.pxereimage.runtime.net.MacAddress;

/**
 * A machine's boot plan: what the runtime does when this MAC asks to network-boot.
 *
 * @param mac the machine's boot NIC
 * @param name a human name (defaults to the MAC)
 * @param action {@link Action#BOOT} to network-boot {@code spec}, {@link Action#LOCAL} to let it boot from disk,
 *               {@link Action#DEPLOY} to boot the deploy environment (its agent writes an image)
 * @param spec what to boot; required for {@link Action#BOOT}, kept but unused for the others
 */
public record MachinePlan(MacAddress mac, String name, Action action, BootSpec spec) {

    public enum Action {
        /** Network-boot {@link MachinePlan#spec()}. */
        BOOT,
        /** Boot from the local disk: the runtime stays silent to firmware and tells iPXE to exit. */
        LOCAL,
        /**
         * Network-boot the deploy environment (config {@code deploy:}) with a one-time token on its command line;
         * answered like {@link #BOOT} by the planner. After a successful deploy the plan becomes {@link #LOCAL}.
         */
        DEPLOY
    }

    public MachinePlan {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(action, "action");
        name = name == null || name.isBlank() ? mac.toString() : name;
        if (action == Action.BOOT && spec == null) {
            throw new IllegalArgumentException("machine " + name + ": action boot needs a kernel");
        }
    }

    public MachinePlan withAction(Action newAction) {
        return new MachinePlan(mac, name, newAction, spec);
    }

    public static MachinePlan boot(MacAddress mac, String name, BootSpec spec) {
        return new MachinePlan(mac, name, Action.BOOT, spec);
    }
}
