package io.pxereimage.runtime.device;

import java.util.Optional;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.DeployEnvironment;
import io.pxereimage.runtime.boot.MachinePlan;

/**
 * The deploy environment a DEPLOY plan boots: the configured kernel and initrds, with the agent's parameters
 * appended to the command line: {@code pxe.runtime=<url> pxe.token=<one-time token> pxe.mac=<mac> console=ttyS0}.
 * Each rendering mints a new token (revoking the previous one) and records a {@code netboot} event.
 */
public final class DeployBoot implements DeployEnvironment {
    /** Stands in for a token in HEAD answers, so the script has the length a GET would get. */
    private static final String PLACEHOLDER = "0".repeat(64);

    private final BootSpec environment;
    private final BootTokens tokens;
    private final Events events;

    /** @param environment the deploy kernel/initrds/cmdline, or {@code null} when none is configured */
    public DeployBoot(BootSpec environment, BootTokens tokens, Events events) {
        this.environment = environment;
        this.tokens = tokens;
        this.events = events;
    }

    @Override
    public Optional<BootSpec> specFor(MachinePlan plan, String baseUrl, boolean mint) {
        if (environment == null) {
            events.add(plan.name(), "failed", "plan is deploy but the runtime has no deploy environment (config"
                    + " section deploy:)");
            return Optional.empty();
        }
        String token = mint ? tokens.mint(plan.mac()) : PLACEHOLDER;
        if (mint) {
            events.add(plan.name(), "netboot", "deploy environment script served (boot token "
                    + Secrets.fingerprint(token) + ")");
        }
        String cmdline = (environment.cmdline() + " pxe.runtime=" + baseUrl + " pxe.token=" + token + " pxe.mac="
                + plan.mac() + " console=ttyS0").strip();
        return Optional.of(new BootSpec(environment.kernel(), environment.initrds(), cmdline));
    }
}
