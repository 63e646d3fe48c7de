package io.pxereimage.runtime.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pxe-runtime machines} and {@code pxe-runtime jobs}: tables from a running runtime. */
final class ListCommands {
    private ListCommands() {
    }

    @Command(name = "machines", mixinStandardHelpOptions = true, description = "List machines and their plans.")
    static final class Machines implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client = new ClientOptions();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            JsonNode list = client.getOrReport(spec, "/machines");
            if (list == null) {
                return 1;
            }
            out.println(String.format(Locale.ROOT, "%-20s %-17s %-7s %s", "NAME", "MAC", "PLAN", "KERNEL"));
            for (JsonNode m : list) {
                out.println(String.format(Locale.ROOT, "%-20s %-17s %-7s %s", m.path("name").asText(),
                        m.path("mac").asText(), m.path("action").asText(), m.path("kernel").asText("-")));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List jobs and their progress.")
    static final class Jobs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client = new ClientOptions();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            JsonNode list = client.getOrReport(spec, "/jobs");
            if (list == null) {
                return 1;
            }
            out.println(String.format(Locale.ROOT, "%-14s %-12s %-16s %-9s %4s %s", "ID", "TYPE", "MACHINE", "STATE",
                    "%", "DETAIL"));
            for (JsonNode j : list) {
                JsonNode p = j.path("progress");
                out.println(String.format(Locale.ROOT, "%-14s %-12s %-16s %-9s %4s %s", j.path("id").asText(),
                        j.path("type").asText(), j.path("machine").asText(), j.path("state").asText(),
                        p.isObject() ? p.path("percent").asText() : "-",
                        j.path("detail").asText("") + (j.path("message").isTextual()
                                ? " (" + j.path("message").asText() + ")" : "")));
            }
            out.flush();
            return 0;
        }
    }
}
