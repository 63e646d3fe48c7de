package io.pxereimage.runtime.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.device.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pxe-runtime lease create|list|show|release|heartbeat}: a client's claim on a pool machine, through a
 * running runtime. {@code create --follow} streams the lease's events and keeps it alive until it is ready.
 */
@Command(name = "lease", mixinStandardHelpOptions = true, description = "Lease machines from the pool.",
        subcommands = {LeaseCommand.Create.class, LeaseCommand.ListLeases.class, LeaseCommand.Show.class,
            LeaseCommand.Release.class, LeaseCommand.Heartbeat.class})
final class LeaseCommand implements Runnable {
    static final Set<String> ENDED = Set.of("released", "expired", "failed");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String path(String id) {
        return "/leases/" + ApiClient.segment(id);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Lease a machine matching --labels; prints the lease id at once.",
                "With --follow: prints the lease's events and heartbeats it until it is ready (exit 0) or has "
                    + "failed or expired (exit 1)."})
    static final class Create extends ClientCommand {
        @Option(names = "--labels", required = true, paramLabel = "EXPR",
                description = "label expression the machine must match, e.g. 'metal && x86' ('' for any)")
        String labels;

        @Option(names = "--image", paramLabel = "NAME", description = "image to deploy (default: the pool's)")
        String image;

        @Option(names = "--hostname", paramLabel = "NAME", description = "first-boot host name (default: the "
                + "machine's name)")
        String hostname;

        @Option(names = "--data", paramLabel = "KEY=VALUE", description = "first-boot data (repeatable; never shown "
                + "back)")
        Map<String, String> data = new LinkedHashMap<>();

        @Option(names = "--client", required = true, paramLabel = "NAME", description = "who asks (caps count per "
                + "client)")
        String clientName;

        @Option(names = "--no-wait", description = "fail at once when no machine is free instead of waiting")
        boolean noWait;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "fail unless ready within this time "
                + "(default: the pool's)")
        Integer timeoutSeconds;

        @Option(names = "--heartbeat", paramLabel = "SECONDS", description = "expire unless renewed within this time"
                + " (default: the pool's)")
        Integer heartbeatSeconds;

        @Option(names = "--follow", description = "print the lease's events and keep it alive until it is ready")
        boolean follow;

        @Option(names = "--retry-millis", defaultValue = "1000", hidden = true)
        long retryMillis;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ApiClient api = client.client();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("labels", labels);
            body.put("image", image);
            body.put("hostname", hostname);
            body.put("data", data);
            body.put("client", clientName);
            body.put("wait", !noWait);
            body.put("timeoutSeconds", timeoutSeconds);
            body.put("heartbeatSeconds", heartbeatSeconds);
            JsonNode lease = CliOutput.orReport(spec, () -> api.post("/leases", body));
            if (lease == null) {
                return 1;
            }
            String id = lease.path("id").asText();
            out.println(id);
            out.flush();
            if (ENDED.contains(lease.path("state").asText())) {
                return ended(err, lease);
            }
            return follow ? follow(api, lease, out, err) : 0;
        }

        /**
         * Events on a reader thread, heartbeats on a timer; whichever first sees the lease ready or ended decides.
         * The main thread only waits, so a reader blocked on a quiet stream never holds up the exit.
         */
        private int follow(ApiClient api, JsonNode created, PrintWriter out, PrintWriter err)
                throws InterruptedException {
            String id = created.path("id").asText();
            CompletableFuture<JsonNode> outcome = new CompletableFuture<>();
            long[] printed = {0}; // seq of the last event printed; -1 once the reader may print no more (under out)
            EventFollower events = new EventFollower(api, "/events?lease=" + ApiClient.segment(id), err, 3,
                    retryMillis);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r,
                    "lease-heartbeat"));
            long period = Math.max(1000, created.path("heartbeatSeconds").asLong(30) * 1000 / 3);
            timer.scheduleAtFixedRate(() -> {
                try {
                    decide(api.post(path(id) + "/heartbeat", null), outcome);
                } catch (ApiClient.Failure f) {
                    if (f.status == 409 || f.status == 404) {
                        outcome.complete(f.status == 409 ? f.body : Json.MAPPER.createObjectNode()
                                .put("id", id).put("state", "gone").put("message", "the runtime has no such lease"));
                    } else {
                        err.println("pxe-runtime: heartbeat: " + f.getMessage());
                        err.flush();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, period, period, TimeUnit.MILLISECONDS);
            Thread reader = daemon(() -> {
                try {
                    boolean ok = events.run(null, new EventFollower.Handler() {
                        @Override
                        public boolean opened() throws ApiClient.Failure, InterruptedException {
                            return decide(api.get(path(id)), outcome);
                        }

                        @Override
                        public boolean onEvent(JsonNode e) throws ApiClient.Failure, InterruptedException {
                            synchronized (out) {
                                if (printed[0] >= 0) {
                                    out.println(EventFollower.line(e));
                                    out.flush();
                                    printed[0] = e.path("seq").asLong();
                                }
                            }
                            return decide(api.get(path(id)), outcome);
                        }
                    });
                    if (!ok) {
                        outcome.complete(null);
                    }
                } catch (InterruptedException e) {
                    outcome.complete(null);
                }
            }, "lease-events");
            reader.start();
            JsonNode last;
            try {
                last = outcome.join();
            } finally {
                timer.shutdownNow();
                events.close();
            }
            long after;
            synchronized (out) {
                after = printed[0];
                printed[0] = -1;
            }
            catchUp(api, id, after, out);
            if (last == null) {
                return CliOutput.error(err, "lost track of lease " + id + "; it is kept only while heartbeats go on");
            }
            if (last.path("state").asText().equals("ready")) {
                synchronized (out) {
                    out.println(id + " ready: machine " + last.path("machine").asText());
                    out.flush();
                }
                return 0;
            }
            return ended(err, last);
        }

        /**
         * The outcome can be seen (state check, heartbeat) before the stream has delivered the events that led to
         * it: print the lease's stored events not printed yet, so the story is complete before the last line.
         */
        private static void catchUp(ApiClient api, String id, long after, PrintWriter out)
                throws InterruptedException {
            try {
                for (JsonNode e : api.get("/pool/events?lease=" + ApiClient.segment(id) + "&after=" + after)) {
                    out.println(EventFollower.line(e));
                }
                out.flush();
            } catch (ApiClient.Failure f) {
                // the outcome is known; the missing lines are in 'pool events --lease'
            }
        }

        /** Completes {@code outcome} when the lease is ready or has ended; returns whether it is done. */
        private static boolean decide(JsonNode lease, CompletableFuture<JsonNode> outcome) {
            String state = lease.path("state").asText();
            if (state.equals("ready") || ENDED.contains(state)) {
                outcome.complete(lease);
            }
            return outcome.isDone();
        }

        private static Thread daemon(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }
    }

    static int ended(PrintWriter err, JsonNode lease) {
        return CliOutput.error(err, "lease " + lease.path("id").asText() + " " + lease.path("state").asText() + ": "
                + lease.path("message").asText("no reason given"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List leases, newest first.")
    static final class ListLeases extends ClientCommand {
        @Option(names = "--client", paramLabel = "NAME", description = "only this client's leases")
        String clientName;

        @Option(names = "--state", paramLabel = "STATE", description = "only leases in this state (pending, "
                + "provisioning, ready, released, expired, failed)")
        String state;

        @Override
        public Integer call() throws Exception {
            StringBuilder q = new StringBuilder();
            if (clientName != null) {
                q.append("&client=").append(ApiClient.segment(clientName));
            }
            if (state != null) {
                q.append("&state=").append(ApiClient.segment(state));
            }
            String f = "%-10s %-12s %-14s %-11s %-12s %-20s %s";
            return client.table(spec, "/leases" + (q.isEmpty() ? "" : "?" + q.substring(1)),
                    String.format(Locale.ROOT, f, "ID", "STATE", "MACHINE", "MSTATE", "CLIENT", "CREATED", "LABELS"),
                    l -> String.format(Locale.ROOT, f, l.path("id").asText(), l.path("state").asText(),
                            l.path("machine").asText("-"), l.path("machineState").asText("-"),
                            l.path("client").asText(), l.path("created").asText(), l.path("labels").asText()));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one lease (JSON).")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            JsonNode lease = client.getOrReport(spec, path(id));
            if (lease == null) {
                return 1;
            }
            return CliOutput.print(spec, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(lease));
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release a lease: its machine is cleaned and returns to the pool.")
    static final class Release extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            JsonNode lease = CliOutput.orReport(spec, () -> client.client().delete(path(id)));
            if (lease == null) {
                return 1;
            }
            return CliOutput.print(spec, id + " " + lease.path("state").asText()
                    + (lease.path("machine").isTextual() ? " (machine " + lease.path("machine").asText() + " "
                            + lease.path("machineState").asText("?") + ")" : ""));
        }
    }

    @Command(name = "heartbeat", mixinStandardHelpOptions = true,
            description = "Renew a lease once; exit 1 if it has ended.")
    static final class Heartbeat extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            JsonNode lease;
            try {
                lease = client.client().post(path(id) + "/heartbeat", null);
            } catch (ApiClient.Failure f) {
                return f.status == 409 ? ended(spec.commandLine().getErr(), f.body) : CliOutput.report(spec, f);
            }
            return CliOutput.print(spec, id + " " + lease.path("state").asText() + ", expires "
                    + lease.path("expires").asText());
        }
    }
}
