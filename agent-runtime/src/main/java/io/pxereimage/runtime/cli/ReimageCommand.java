package io.pxereimage.runtime.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pxe-runtime reimage MACHINE... --image NAME [--disk DEV] [--multicast|--unicast] [--wait]}: plans the
 * machines for deploy and queues the image jobs on a running runtime; with {@code --multicast} the machines share
 * one multicast session. With {@code --wait} it follows the jobs: a progress bar on a terminal for one machine,
 * plain lines otherwise; exit 0 when every image is written and verified, 1 with the reasons when not.
 */
@Command(name = "reimage", mixinStandardHelpOptions = true,
        description = {"Write an image to machines' disks through their deploy agents (the machines must"
                + " network-boot).",
            "With several machines and --multicast the runtime sends the image once, to all of them, in one"
                + " multicast session (docs/multicast.md); an agent that cannot receive it falls back to HTTP by"
                + " itself. Without --multicast, jobs of one image asked within the runtime's gathering window"
                + " (multicast.windowSeconds) share a session anyway, unless --unicast."})
final class ReimageCommand extends ClientCommand {
    @Parameters(index = "0..*", arity = "1..*", paramLabel = "MACHINE", description = "machine names or MACs")
    List<String> machines;

    @Option(names = "--image", required = true, paramLabel = "NAME", description = "an image of the catalog")
    String image;

    @Option(names = "--disk", paramLabel = "DEV", description = "target disk, e.g. /dev/vda (default: smallest disk"
            + " that fits)")
    String disk;

    @Option(names = "--hostname", paramLabel = "NAME", description = "first-boot host name (default: machine name;"
            + " one machine only)")
    String hostname;

    @Option(names = "--data", paramLabel = "KEY=VALUE", description = "first-boot data (repeatable)")
    Map<String, String> data = new LinkedHashMap<>();

    @Option(names = "--multicast", description = "one multicast session for all the machines, now (the runtime"
            + " needs a multicast section)")
    boolean multicast;

    @Option(names = "--unicast", description = "never group these jobs into a multicast session")
    boolean unicast;

    @Option(names = "--wait", description = "follow the jobs until they end; exit 1 if one fails")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "give up waiting after this long, default ${DEFAULT-VALUE}")
    long timeoutSeconds;

    @Option(names = "--interval", paramLabel = "MILLIS", defaultValue = "500", hidden = true)
    long intervalMillis;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (multicast && unicast) {
            return CliOutput.error(err, "--multicast and --unicast exclude each other");
        }
        if (hostname != null && machines.size() > 1) {
            return CliOutput.error(err, "--hostname: only with one machine (each machine gets its own name)");
        }
        ApiClient api = client.client();
        Map<String, Object> firstBoot = new LinkedHashMap<>();
        firstBoot.put("data", data);
        firstBoot.put("hostname", machines.size() == 1 ? (hostname == null ? machines.get(0) : hostname) : null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", image);
        body.put("disk", disk);
        body.put("firstBoot", firstBoot);
        if (multicast || unicast) {
            body.put("multicast", multicast);
        }
        List<String> ids = new ArrayList<>();
        if (machines.size() == 1 && !multicast) {
            JsonNode job = CliOutput.orReport(spec, () -> api.post("/machines/" + ApiClient.segment(machines.get(0))
                    + "/reimage", body));
            if (job == null) {
                return 1;
            }
            ids.add(job.path("id").asText());
            out.println("reimage " + machines.get(0) + " with " + image + ": job " + ids.get(0)
                    + " queued (plan: deploy)");
        } else {
            body.put("machines", machines);
            JsonNode answer = CliOutput.orReport(spec, () -> api.post("/reimage", body));
            if (answer == null) {
                return 1;
            }
            if (answer.hasNonNull("session")) {
                out.println("multicast session " + answer.get("session").asText() + ": " + machines.size()
                        + " machines with " + image);
            } else if (multicast) {
                out.println("no multicast session (see the machines' events): unicast");
            }
            for (JsonNode job : answer.path("jobs")) {
                ids.add(job.path("id").asText());
                out.println("reimage " + job.path("machine").asText() + " with " + image + ": job "
                        + job.path("id").asText() + " queued (plan: deploy)");
            }
        }
        out.flush();
        if (!await) {
            return 0;
        }
        return ids.size() == 1 ? follow(api, ids.get(0), out, err) : followAll(api, ids, out, err);
    }

    /** Several jobs: plain lines (state changes, 10 % steps), then one line per job; 0 when all succeeded. */
    private int followAll(ApiClient api, List<String> ids, PrintWriter out, PrintWriter err)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        Map<String, String> states = new LinkedHashMap<>();
        Map<String, Integer> steps = new HashMap<>();
        Map<String, String> ended = new LinkedHashMap<>();
        while (System.nanoTime() < deadline && ended.size() < ids.size()) {
            for (String id : ids) {
                if (ended.containsKey(id)) {
                    continue;
                }
                JsonNode j = job(api, id, err);
                if (j == null) {
                    continue;
                }
                String who = id + " (" + j.path("machine").asText() + ")";
                String state = j.path("state").asText();
                if (!state.equals(states.put(id, state)) && !state.equals("succeeded") && !state.equals("failed")) {
                    out.println(who + " " + state + (state.equals("queued") ? " (waiting for the machine's agent)"
                            : ""));
                }
                JsonNode p = j.path("progress");
                int step = p.isObject() ? p.path("percent").asInt() / 10 : -1;
                if (step > steps.getOrDefault(id, -1)) {
                    steps.put(id, step);
                    out.println(ProgressLine.render(who, p.path("percent").asInt(), p.path("bytesPerSecond").asLong(),
                            p.path("etaSeconds").asLong(-1)));
                }
                if (state.equals("succeeded") || state.equals("failed")) {
                    ended.put(id, state + ": " + j.path("message").asText(state.equals("failed")
                            ? "no reason given" : ""));
                    out.println(who + " " + ended.get(id));
                }
            }
            out.flush();
            if (ended.size() < ids.size()) {
                Thread.sleep(intervalMillis);
            }
        }
        long failed = ended.values().stream().filter(v -> v.startsWith("failed")).count();
        if (ended.size() < ids.size()) {
            return CliOutput.error(err, "gave up waiting for " + (ids.size() - ended.size()) + " of " + ids.size()
                    + " jobs after " + timeoutSeconds + " s");
        }
        if (failed > 0) {
            return CliOutput.error(err, failed + " of " + ids.size() + " jobs failed");
        }
        out.println("all " + ids.size() + " jobs succeeded (machines reboot into their disks)");
        out.flush();
        return 0;
    }

    /** The job as the API shows it, or null after saying on {@code err} why not (the caller retries). */
    private static JsonNode job(ApiClient api, String id, PrintWriter err) throws InterruptedException {
        try {
            return api.get("/jobs/" + ApiClient.segment(id));
        } catch (ApiClient.Failure f) {
            err.println("pxe-runtime: " + f.getMessage() + " (retrying)");
            err.flush();
            return null;
        }
    }

    private int follow(ApiClient api, String id, PrintWriter out, PrintWriter err) throws InterruptedException {
        boolean terminal = System.console() != null;
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String lastState = "";
        int lastPercent = -1;
        while (System.nanoTime() < deadline) {
            JsonNode j = job(api, id, err);
            if (j == null) {
                Thread.sleep(Math.max(intervalMillis, 1000));
                continue;
            }
            String state = j.path("state").asText();
            JsonNode p = j.path("progress");
            if (!state.equals(lastState) && !state.equals("succeeded") && !state.equals("failed")) {
                if (terminal && lastPercent >= 0) {
                    out.println();
                }
                out.println(id + " " + state + (state.equals("queued") ? " (waiting for the machine's agent)" : ""));
                lastState = state;
            }
            if (p.isObject()) {
                int percent = p.path("percent").asInt();
                if (percent != lastPercent || terminal) {
                    String line = ProgressLine.render(id, percent, p.path("bytesPerSecond").asLong(),
                            p.path("etaSeconds").asLong(-1));
                    out.print(terminal ? "\r" + line : line + "\n");
                    lastPercent = percent;
                }
            }
            out.flush();
            if (state.equals("succeeded")) {
                out.println((terminal ? "\n" : "") + id + " succeeded: " + j.path("message").asText("")
                        + " (machine reboots into its disk)");
                out.flush();
                return 0;
            }
            if (state.equals("failed")) {
                if (terminal) {
                    out.println();
                }
                out.flush();
                return CliOutput.error(err, id + " failed: " + j.path("message").asText("no reason given"));
            }
            Thread.sleep(intervalMillis);
        }
        return CliOutput.error(err, "gave up waiting for " + id + " after " + timeoutSeconds + " s");
    }
}
