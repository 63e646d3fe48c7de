package io.pxereimage.runtime.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pxe-runtime reimage MACHINE --image NAME [--disk DEV] [--wait]}: plans the machine for deploy and queues
 * the image job on a running runtime. With {@code --wait} it follows the job: a progress bar on a terminal, plain
 * lines otherwise; exit 0 when the image is written and verified, 1 with the reason when not.
 */
@Command(name = "reimage", mixinStandardHelpOptions = true,
        description = "Write an image to a machine's disk through its deploy agent (the machine must network-boot).")
final class ReimageCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "MACHINE", description = "machine name or MAC")
    String machine;

    @Option(names = "--image", required = true, paramLabel = "NAME", description = "an image of the catalog")
    String image;

    @Option(names = "--disk", paramLabel = "DEV", description = "target disk, e.g. /dev/vda (default: smallest disk"
            + " that fits)")
    String disk;

    @Option(names = "--hostname", paramLabel = "NAME", description = "first-boot host name (default: machine name)")
    String hostname;

    @Option(names = "--data", paramLabel = "KEY=VALUE", description = "first-boot data (repeatable)")
    Map<String, String> data = new LinkedHashMap<>();

    @Option(names = "--wait", description = "follow the job until it ends; exit 1 if it fails")
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
        ApiClient api = client.client();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", image);
        body.put("disk", disk);
        body.put("firstBoot", Map.of("data", data, "hostname", hostname == null ? machine : hostname));
        JsonNode job = CliOutput.orReport(spec, () -> api.post("/machines/" + ApiClient.segment(machine)
                + "/reimage", body));
        if (job == null) {
            return 1;
        }
        String id = job.path("id").asText();
        out.println("reimage " + machine + " with " + image + ": job " + id + " queued (plan: deploy)");
        out.flush();
        if (!await) {
            return 0;
        }
        return follow(api, id, out, err);
    }

    private int follow(ApiClient api, String id, PrintWriter out, PrintWriter err) throws InterruptedException {
        boolean terminal = System.console() != null;
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String lastState = "";
        int lastPercent = -1;
        while (System.nanoTime() < deadline) {
            JsonNode j;
            try {
                j = api.get("/jobs/" + ApiClient.segment(id));
            } catch (ApiClient.Failure f) {
                err.println("pxe-runtime: " + f.getMessage() + " (retrying)");
                err.flush();
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
