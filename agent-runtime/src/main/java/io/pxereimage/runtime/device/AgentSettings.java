package io.pxereimage.runtime.device;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How the runtime treats agents.
 *
 * @param pollSeconds the long-poll wait agents are told to use
 * @param allowedCommands what {@code run} jobs may execute: each entry is an argv[0] ({@code lsblk}) or a whole
 *                        command prefix ({@code cat /proc/cmdline}), matched word by word; empty allows nothing
 */
public record AgentSettings(int pollSeconds, List<String> allowedCommands) {
    public static final int DEFAULT_POLL_SECONDS = 25;

    public AgentSettings {
        allowedCommands = allowedCommands == null ? List.of() : List.copyOf(allowedCommands);
    }

    public static AgentSettings defaults() {
        return new AgentSettings(DEFAULT_POLL_SECONDS, List.of());
    }

    /** Empty when {@code command} may run, else why not. */
    public Optional<String> refuse(List<String> command) {
        if (command == null || command.isEmpty() || command.get(0).isBlank()) {
            return Optional.of("command: empty");
        }
        for (String allowed : allowedCommands) {
            List<String> prefix = Arrays.asList(allowed.strip().split("\\s+"));
            if (command.size() >= prefix.size() && command.subList(0, prefix.size()).equals(prefix)) {
                return Optional.empty();
            }
        }
        return Optional.of("command: '" + command.get(0) + "' is not in agent.allowedCommands of the runtime");
    }
}
