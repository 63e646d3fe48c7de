package io.pxereimage.runtime.boot;

import java.util.Optional;

/**
 * What a machine with a {@link MachinePlan.Action#DEPLOY} plan boots: the deploy environment, with a fresh
 * one-time token on its command line. Implemented outside this package (it mints tokens and records events);
 * the HTTP layer asks it when rendering {@code /boot/<mac>.ipxe}.
 */
@FunctionalInterface
public interface DeployEnvironment {
    /**
     * @param plan a DEPLOY plan
     * @param baseUrl {@code http://host:port} the machine reached this runtime at (goes on the command line)
     * @param mint whether to mint a token (false for HEAD requests: a probe must not revoke a live token)
     * @return the spec to boot, or empty when no deploy environment is configured
     */
    Optional<BootSpec> specFor(MachinePlan plan, String baseUrl, boolean mint);
}
