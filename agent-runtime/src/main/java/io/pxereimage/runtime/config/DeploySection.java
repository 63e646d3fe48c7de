package io.pxereimage.runtime.config;

import java.util.List;

import io.pxereimage.runtime.boot.BootSpec;

/**
 * The deploy environment: what machines with plan {@code deploy} network-boot (the agent's kernel and
 * initramfs). The runtime appends {@code pxe.runtime=... pxe.token=... pxe.mac=... console=ttyS0} to
 * {@code cmdline} on every script it serves.
 *
 * @param kernel a path under the files root (or a published name) or an http(s) URL
 * @param initrds the same forms, loaded in order
 * @param cmdline extra kernel arguments
 */
public record DeploySection(String kernel, List<String> initrds, String cmdline) {
    public DeploySection {
        if (kernel == null || kernel.isBlank()) {
            throw new IllegalArgumentException("kernel: required (the deploy environment's kernel)");
        }
        location("kernel", kernel);
        initrds = initrds == null ? List.of() : List.copyOf(initrds);
        initrds.forEach(i -> location("initrds", i));
        cmdline = cmdline == null ? "" : cmdline.strip();
        if (cmdline.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("cmdline: must not contain control characters");
        }
    }

    public BootSpec toSpec() {
        return new BootSpec(kernel, initrds, cmdline);
    }

    private static void location(String field, String value) {
        if (value == null || value.isBlank() || value.chars().anyMatch(c -> Character.isWhitespace(c)
                || Character.isISOControl(c))) {
            throw new IllegalArgumentException(field + ": a path or URL without spaces or control characters");
        }
    }
}
