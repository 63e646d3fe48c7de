package io.pxereimage.runtime.cli;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;

/** {@code pxe-runtime machines} and {@code pxe-runtime jobs}: tables from a running runtime. */
final class ListCommands {
    private ListCommands() {
    }

    @Command(name = "machines", mixinStandardHelpOptions = true, description = "List machines and their plans.")
    static final class Machines extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            String f = "%-20s %-17s %-7s %s";
            return client.table(spec, "/machines", String.format(Locale.ROOT, f, "NAME", "MAC", "PLAN", "KERNEL"),
                    m -> String.format(Locale.ROOT, f, m.path("name").asText(), m.path("mac").asText(),
                            m.path("action").asText(), m.path("kernel").asText("-")));
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List jobs and their progress.")
    static final class Jobs extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            String f = "%-14s %-12s %-16s %-9s %4s %s";
            return client.table(spec, "/jobs", String.format(Locale.ROOT, f, "ID", "TYPE", "MACHINE", "STATE", "%",
                    "DETAIL"), j -> {
                        JsonNode p = j.path("progress");
                        return String.format(Locale.ROOT, f, j.path("id").asText(), j.path("type").asText(),
                                j.path("machine").asText(), j.path("state").asText(),
                                p.isObject() ? p.path("percent").asText() : "-",
                                j.path("detail").asText("") + (j.path("message").isTextual()
                                        ? " (" + j.path("message").asText() + ")" : ""));
                    });
        }
    }
}
