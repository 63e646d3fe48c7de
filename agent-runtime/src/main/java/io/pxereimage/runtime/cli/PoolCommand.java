package io.pxereimage.runtime.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pxe-runtime pool list|clear|quarantine|events|sites}: the machine pool, through a running runtime. */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Inspect and administer the machine pool.",
        subcommands = {PoolCommand.ListMachines.class, PoolCommand.Clear.class, PoolCommand.Quarantine.class,
            PoolCommand.Events.class, PoolCommand.Sites.class})
final class PoolCommand implements Runnable {
    /** Stored events fetched per request by {@code pool events}. */
    static final int PAGE = 1000;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String path(String name) {
        return "/pool/" + ApiClient.segment(name);
    }

    static String line(JsonNode m) {
        return String.format(Locale.ROOT, "%-16s %-12s %-10s %-10s %4d %-24s %s", m.path("name").asText(),
                m.path("state").asText(), m.path("lease").asText("-"), m.path("owner").asText("-"),
                m.path("failures").asInt(), String.join(",", labels(m)), (m.path("unreachable").asBoolean()
                ? "[site " + m.path("site").asText() + " unreachable] " : "") + m.path("message").asText(""));
    }

    private static List<String> labels(JsonNode m) {
        List<String> l = new ArrayList<>();
        m.path("labels").forEach(n -> l.add(n.asText()));
        return l;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List pool machines and their states.")
    static final class ListMachines extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return client.table(spec, "/pool", String.format(Locale.ROOT, "%-16s %-12s %-10s %-10s %4s %-24s %s",
                    "NAME", "STATE", "LEASE", "OWNER", "FAIL", "LABELS", "MESSAGE"), PoolCommand::line);
        }
    }

    @Command(name = "sites", mixinStandardHelpOptions = true,
            description = "List the sites sharing the store: live or unreachable, last heartbeat (docs/sites.md).")
    static final class Sites extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            String f = "%-16s %-11s %-24s %7s %8s %s";
            return client.table(spec, "/sites", String.format(Locale.ROOT, f, "SITE", "STATE", "HEARTBEAT", "TIMEOUT",
                    "MACHINES", "UNREACHABLE SINCE"), s -> String.format(Locale.ROOT, f, s.path("name").asText(),
                    s.path("unreachable").asBoolean() ? "unreachable" : "live", s.path("heartbeat").asText(),
                    s.path("unreachableAfterSeconds").asLong() + " s", s.path("machines").asInt(),
                    s.path("unreachableSince").asText("-")));
        }
    }

    @Command(name = "clear", mixinStandardHelpOptions = true,
            description = "Return a failed or quarantined machine to the pool (it is cleaned first).")
    static final class Clear extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return admin(spec, client, path(name) + "/clear", null);
        }
    }

    @Command(name = "quarantine", mixinStandardHelpOptions = true,
            description = "Take a machine that no lease holds out of the pool until it is cleared.")
    static final class Quarantine extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (shown in pool list)")
        String reason;

        @Override
        public Integer call() throws Exception {
            return admin(spec, client, path(name) + "/quarantine", Map.of("reason", reason));
        }
    }

    private static int admin(CommandSpec spec, ClientOptions client, String path, Object body) throws Exception {
        JsonNode m = CliOutput.orReport(spec, () -> client.client().post(path, body));
        if (m == null) {
            return 1;
        }
        return CliOutput.print(spec, m.path("name").asText() + " " + m.path("state").asText()
                + (m.path("message").isTextual() ? ": " + m.path("message").asText() : ""));
    }

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = {"Print stored pool events, oldest first (12:00:01 m1 powering: ...).",
                "With --follow: then print new events as they happen, until interrupted."})
    static final class Events extends ClientCommand {
        @Option(names = "--machine", paramLabel = "NAME", description = "only this machine's events")
        String machine;

        @Option(names = "--lease", paramLabel = "ID", description = "only this lease's events")
        String lease;

        @Option(names = "--follow", description = "keep printing new events (Server-Sent Events)")
        boolean follow;

        @Option(names = "--retry-millis", defaultValue = "1000", hidden = true)
        long retryMillis;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ApiClient api = client.client();
            String filter = (machine == null ? "" : "&machine=" + ApiClient.segment(machine))
                    + (lease == null ? "" : "&lease=" + ApiClient.segment(lease));
            long after = 0;
            while (true) {
                JsonNode page;
                try {
                    page = api.get("/pool/events?after=" + after + "&limit=" + PAGE + filter);
                } catch (ApiClient.Failure f) {
                    return CliOutput.report(spec, f);
                }
                for (JsonNode e : page) {
                    out.println(EventFollower.line(e));
                    after = e.path("seq").asLong();
                }
                out.flush();
                if (page.size() < PAGE) {
                    break;
                }
            }
            if (!follow) {
                return 0;
            }
            // Stored events are printed: the stream starts after the last one, so none is printed twice.
            EventFollower events = new EventFollower(api, filter.isEmpty() ? "/events" : "/events?"
                    + filter.substring(1), spec.commandLine().getErr(), 3, retryMillis);
            boolean ok = events.run(Long.toString(after), e -> {
                out.println(EventFollower.line(e));
                out.flush();
                return false;
            });
            return ok ? 0 : 1;
        }
    }
}
