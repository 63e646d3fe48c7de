package io.pxereimage.runtime.api;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.protocol.RegisterRequest;
import io.pxereimage.protocol.RegisterResponse;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.device.AgentSessions;
import io.pxereimage.runtime.device.BootTokens;
import io.pxereimage.runtime.device.DeployFlow;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.JobQueue;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.device.Secrets;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * {@code /api/v1/agent/**}: the deploy agent's side of docs/agent-protocol.md. Authenticated by the one-time boot
 * token (register) or the session token (everything else), never by the admin API token. Transport-free; the
 * long-poll answers through a future that the job queue completes.
 */
public final class AgentResource {
    /** The longest long-poll wait honoured; the HTTP idle timeout is well above it. */
    public static final int MAX_WAIT_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(AgentResource.class);

    private final DeployServices deploy;

    public AgentResource(DeployServices deploy) {
        this.deploy = deploy;
    }

    public ApiResponse register(byte[] body) {
        RegisterRequest req;
        try {
            req = Json.MAPPER.readValue(body, RegisterRequest.class);
        } catch (IOException | RuntimeException e) {
            return ApiResponse.error(400, "body: not a registration (mac, token, inventory)");
        }
        MacAddress mac;
        try {
            mac = MacAddress.parse(req == null ? null : req.mac());
        } catch (RuntimeException e) {
            return ApiResponse.error(400, "mac: not a MAC address");
        }
        BootTokens.Outcome outcome = deploy.tokens().redeem(mac, req.token());
        deploy.metrics().registration(outcome);
        if (outcome != BootTokens.Outcome.OK) {
            LOG.info("agent register {} refused: {} (boot token {})", mac, outcome.reason(),
                    Secrets.fingerprint(req.token()));
            return ApiResponse.error(outcome == BootTokens.Outcome.OTHER_MAC ? 403 : 401, outcome.reason());
        }
        deploy.boots().reached(mac, BootTimeline.Phase.AGENT);
        String machine = deploy.registry().get(mac).map(MachinePlan::name).orElse(mac.toString());
        AgentSessions.Registered reg = deploy.sessions().register(mac, machine, req.inventory());
        String disks = req.inventory() == null ? "no inventory"
                : req.inventory().disks().size() + " disks, " + req.inventory().firmware();
        deploy.events().add(machine, "registered", "agent " + reg.session().agentId() + " (" + disks
                + ", session " + Secrets.fingerprint(reg.token()) + ")");
        return ApiResponse.of(200, new RegisterResponse(reg.session().agentId(), reg.token(), machine,
                deploy.settings().pollSeconds()));
    }

    /**
     * {@code GET jobs/next?wait=N}: a job now, a job queued while waiting, or 204 after {@code wait} seconds.
     *
     * @param baseUrl {@code http://host:port} as the agent reached us: relative image URLs are resolved with it
     * @param alive whether the poller's connection is still open (else the job stays queued)
     */
    public CompletableFuture<ApiResponse> next(String authorization, String waitParam, String baseUrl,
            BooleanSupplier alive) {
        Optional<AgentSessions.Session> session = deploy.sessions().authenticate(authorization);
        if (session.isEmpty()) {
            return CompletableFuture.completedFuture(unauthorized());
        }
        int wait;
        try {
            wait = waitParam == null ? deploy.settings().pollSeconds() : Integer.parseInt(waitParam);
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(ApiResponse.error(400, "wait: not a number of seconds"));
        }
        wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, wait));
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        deploy.jobs().poll(session.get().mac(), Duration.ofSeconds(wait), job -> {
            if (job == null) {
                return answer.complete(ApiResponse.noContent());
            }
            if (!alive.getAsBoolean()) {
                return false;
            }
            return answer.complete(ApiResponse.of(200, resolve(job.job(), job.machine(), baseUrl)));
        });
        return answer;
    }

    public ApiResponse events(String authorization, String jobId, byte[] body) {
        Optional<AgentSessions.Session> session = deploy.sessions().authenticate(authorization);
        if (session.isEmpty()) {
            return unauthorized();
        }
        AgentEvent.Batch batch;
        try {
            batch = Json.MAPPER.readValue(body, AgentEvent.Batch.class);
        } catch (IOException | RuntimeException e) {
            return ApiResponse.error(400, "body: not an event batch ({\"events\": [...]})");
        }
        if (batch == null) {
            return ApiResponse.error(400, "body: not an event batch ({\"events\": [...]})");
        }
        List<AgentEvent> events = batch.events().stream().filter(e -> e != null && e.kind() != null).toList();
        return refusal(deploy.jobs().addEvents(session.get().mac(), jobId, events), jobId);
    }

    public ApiResponse result(String authorization, String jobId, byte[] body) {
        Optional<AgentSessions.Session> session = deploy.sessions().authenticate(authorization);
        if (session.isEmpty()) {
            return unauthorized();
        }
        JobResult result;
        try {
            result = Json.MAPPER.readValue(body, JobResult.class);
        } catch (IOException | RuntimeException e) {
            result = null;
        }
        if (result == null || !("succeeded".equals(result.status()) || "failed".equals(result.status()))) {
            return ApiResponse.error(400, "status: must be succeeded or failed");
        }
        return refusal(deploy.jobs().finish(session.get().mac(), jobId, result), jobId);
    }

    private static ApiResponse refusal(Optional<JobQueue.Refusal> refused, String jobId) {
        if (refused.isEmpty()) {
            return ApiResponse.noContent();
        }
        return switch (refused.get()) {
            case NO_SUCH_JOB -> ApiResponse.error(404, "job: no job " + printable(jobId) + " for this agent");
            case NOT_RUNNING -> ApiResponse.error(409, "job: " + printable(jobId) + " is not running");
        };
    }

    /** Absolute image URL, first-boot runtime URL and ready URL, as seen from the agent. */
    static Job resolve(Job job, String machine, String baseUrl) {
        if (!(job instanceof Job.DeployImage d)) {
            return job;
        }
        Job.ImageRef i = d.image();
        String url = i.url().startsWith(DeployFlow.IMAGE_PATH) ? baseUrl + i.url() : i.url();
        Job.FirstBoot fb = d.firstBoot();
        String ready = fb == null ? null : fb.readyUrl();
        fb = new Job.FirstBoot(fb == null || fb.hostname() == null ? machine : fb.hostname(),
                fb == null || fb.runtimeUrl() == null ? baseUrl : fb.runtimeUrl(),
                ready != null && ready.startsWith("/") ? baseUrl + ready : ready,
                fb == null ? Map.of() : fb.data());
        return new Job.DeployImage(d.id(), new Job.ImageRef(i.name(), url, i.sha256(), i.sizeBytes(),
                i.compression(), i.blockMap()), d.target(), fb, d.multicast());
    }

    private static ApiResponse unauthorized() {
        return ApiResponse.error(401, "session: unknown or missing session token (register again)")
                .withHeader("WWW-Authenticate", "Bearer realm=\"pxe-runtime-agent\"");
    }

    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^A-Za-z0-9._:-]", "?");
    }
}
