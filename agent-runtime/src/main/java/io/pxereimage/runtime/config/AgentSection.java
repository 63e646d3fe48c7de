package io.pxereimage.runtime.config;

import java.util.List;

import io.pxereimage.runtime.device.AgentSettings;

/**
 * How the runtime treats deploy agents.
 *
 * @param pollSeconds the long-poll wait agents are told to use (1..60, default 25)
 * @param allowedCommands what {@code run} jobs may execute: argv[0] names ({@code lsblk}) or whole command
 *                        prefixes ({@code cat /proc/cmdline}); none by default
 */
public record AgentSection(Integer pollSeconds, List<String> allowedCommands) {
    public AgentSection {
        pollSeconds = Fields.range("pollSeconds", pollSeconds, AgentSettings.DEFAULT_POLL_SECONDS, 1, 60);
        allowedCommands = allowedCommands == null ? List.of() : List.copyOf(allowedCommands);
        for (String c : allowedCommands) {
            if (c == null || c.isBlank()) {
                throw new IllegalArgumentException("allowedCommands: entries must not be empty");
            }
        }
    }

    public AgentSettings toSettings() {
        return new AgentSettings(pollSeconds, allowedCommands);
    }
}
