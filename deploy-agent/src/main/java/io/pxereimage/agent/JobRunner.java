package io.pxereimage.agent;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/** Runs one job at a time: events while it runs, then the result (retried until the runtime takes it). */
final class JobRunner {
    private static final int MAX_OUTPUT_LINES = 5000;

    private final AgentConfig config;
    private final HttpClient http;
    private final RuntimeClient client;

    JobRunner(AgentConfig config, HttpClient http, RuntimeClient client) {
        this.config = config;
        this.http = http;
        this.client = client;
    }

    void run(JsonNode json) throws InterruptedException {
        String id = json.path("id").asText("");
        Job job;
        try {
            job = Json.MAPPER.treeToValue(json, Job.class);
        } catch (IOException | IllegalArgumentException e) {
            Log.info("job " + id + " of type " + json.path("type").asText("?") + " not understood: " + e.getMessage());
            postResult(id, JobResult.failed("agent does not understand job type '" + json.path("type").asText() + "'"));
            return;
        }
        Log.info("job " + id + " (" + json.path("type").asText() + ") started");
        JobResult result;
        try (EventBatcher events = new EventBatcher(b -> client.postEvents(id, b), config.eventInterval, id)) {
            JobContext ctx = new JobContext(id, events);
            result = execute(job, ctx);
            ctx.log("job " + result.status() + ": " + result.message());
        }
        postResult(id, result);
        if (result.ok() && (job instanceof Job.Reboot || job instanceof Job.PowerOff)) {
            List<String> cmd = job instanceof Job.Reboot ? config.rebootCommand : config.poweroffCommand;
            Log.info("running " + String.join(" ", cmd));
            try {
                int code = Commands.stream(cmd, null, Duration.ofMinutes(1), null, Log::info, Log::info);
                Log.info(String.join(" ", cmd) + " returned " + code);
            } catch (IOException e) {
                Log.info(String.join(" ", cmd) + " failed: " + e.getMessage());
            }
        }
    }

    JobResult execute(Job job, JobContext ctx) throws InterruptedException {
        try {
            if (job instanceof Job.DeployImage d) {
                return new DeployImage(config, http, ctx).run(d);
            } else if (job instanceof Job.Wipe w) {
                BlockDevices devices = new BlockDevices(config);
                Path target = devices.resolve(w.target(), new InventoryCollector(config).collect(), 0);
                MulticastDeploy.forget(config.stateDir(), target);
                new Wiper(config, devices).wipe(target, ctx::log);
                return JobResult.succeeded("wiped " + target);
            } else if (job instanceof Job.Run r) {
                return runCommand(r, ctx);
            } else if (job instanceof Job.Reboot) {
                return JobResult.succeeded("rebooting");
            } else if (job instanceof Job.PowerOff) {
                return JobResult.succeeded("powering off");
            }
            return JobResult.failed("unsupported job " + job.getClass().getSimpleName());
        } catch (IOException | RuntimeException e) {
            return JobResult.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private JobResult runCommand(Job.Run r, JobContext ctx) throws IOException, InterruptedException {
        if (r.command().isEmpty()) {
            return JobResult.failed("empty command");
        }
        ctx.log("running " + String.join(" ", r.command()));
        AtomicInteger lines = new AtomicInteger();
        int code = Commands.stream(r.command(), null, config.runTimeout, null,
                l -> forward(ctx, lines, "stdout: " + l), l -> forward(ctx, lines, "stderr: " + l));
        return code == 0 ? JobResult.succeeded("exit 0") : JobResult.failed("exit " + code);
    }

    private static void forward(JobContext ctx, AtomicInteger lines, String line) {
        int n = lines.incrementAndGet();
        if (n <= MAX_OUTPUT_LINES) {
            ctx.log(line);
        } else if (n == MAX_OUTPUT_LINES + 1) {
            ctx.log("output truncated after " + MAX_OUTPUT_LINES + " lines");
        }
    }

    /** Retried with backoff: a restarting runtime must still learn the outcome. A rejected session gives up. */
    private void postResult(String id, JobResult result) throws InterruptedException {
        Backoff backoff = new Backoff(config.backoffBase, config.backoffMax);
        while (true) {
            try {
                client.postResult(id, result);
                Log.info("job " + id + " result " + result.status() + " posted");
                return;
            } catch (RuntimeClient.RejectedException e) {
                Log.info("job " + id + " result rejected (" + e.getMessage() + "); dropping it");
                return;
            } catch (IOException e) {
                long d = backoff.nextMillis();
                Log.info("posting result of " + id + " failed (" + e + "); retry in " + d + " ms");
                Thread.sleep(d);
            }
        }
    }
}
