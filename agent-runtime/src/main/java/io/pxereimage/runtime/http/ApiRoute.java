package io.pxereimage.runtime.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pxereimage.runtime.api.AgentResource;
import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.DeployResource;
import io.pxereimage.runtime.api.MachinesResource;

/**
 * Routes {@code /api/v1/**} to the resources of {@code io.pxereimage.runtime.api}: {@code /agent/**} with the
 * agent's own tokens (boot token, session token), everything else after the admin token check.
 *
 * <p>Some answers come later (the agent's long-poll, image import on a worker): the future is completed from
 * another thread and the response written on the connection's event loop.
 *
 * <p>Logging: method, path and status only. Headers are never logged (the Authorization header carries a token)
 * and neither is the query string, in case a client puts a secret there.
 */
final class ApiRoute {
    static final String PREFIX = "/api/v1";
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoute.class);

    private final MachinesResource machines;
    private final ApiAuth auth;
    private final AgentResource agent;
    private final DeployResource deploy;

    ApiRoute(MachinesResource machines, ApiAuth auth) {
        this(machines, auth, null, null);
    }

    /** {@code agent} and {@code deploy} may be null: a runtime without deployment answers 404 there. */
    ApiRoute(MachinesResource machines, ApiAuth auth, AgentResource agent, DeployResource deploy) {
        this.machines = machines;
        this.auth = auth;
        this.agent = agent;
        this.deploy = deploy;
    }

    void serve(Exchange ex, String uri, String host, String authorization, byte[] body) {
        String baseUrl = BootScripts.baseUrl(host, ex.ctx.channel().localAddress());
        Map<String, List<String>> query;
        try {
            query = new QueryStringDecoder(uri).parameters();
        } catch (IllegalArgumentException e) {
            write(ex, ApiResponse.error(400, "query: malformed"));
            return;
        }
        CompletableFuture<ApiResponse> answer = dispatch(ex.method.name(), ex.path.substring(PREFIX.length()),
                query, authorization, body, baseUrl, () -> ex.ctx.channel().isActive());
        if (answer.isDone()) {
            write(ex, answer.join());
            return;
        }
        // Reading stays on while the answer is pending, so a poller that hangs up is seen (channel inactive) and
        // its job stays queued. Clients here (agent, CLI, iPXE) do not pipeline requests.
        answer.whenComplete((r, failure) -> ex.ctx.executor().execute(
                () -> write(ex, failure != null ? ApiResponse.error(500, "internal error") : r)));
    }

    private static void write(Exchange ex, ApiResponse r) {
        boolean mutation = !isRead(ex.method.name());
        // An agent posts events every second while it writes: successful agent calls other than register are
        // routine, the event log already tells the story.
        boolean routine = ex.path.startsWith(PREFIX + "/agent/jobs/") && r.status() < 300;
        if (!routine && (mutation || r.status() == 401 || r.status() == 403)) {
            LOG.info("HTTP API {} {} -> {} (from {})", ex.method.name(), StaticFiles.printable(ex.path), r.status(),
                    Routes.remote(ex.ctx));
        } else {
            LOG.debug("HTTP API {} {} -> {}", ex.method.name(), StaticFiles.printable(ex.path), r.status());
        }
        ex.send(HttpResponseStatus.valueOf(r.status()), Exchange.JSON, r.json(), r.headers(), false);
    }

    /** Pure routing for synchronous endpoints (tests): method + path below {@code /api/v1} -> response. */
    ApiResponse dispatch(String method, String sub, String authorization, byte[] body) {
        return dispatch(method, sub, Map.of(), authorization, body, "http://localhost", () -> true).join();
    }

    /**
     * @param sub e.g. {@code /machines/52:54:00:12:34:56}
     * @param baseUrl how the client reached us, for URLs handed to agents
     */
    CompletableFuture<ApiResponse> dispatch(String method, String sub, Map<String, List<String>> query,
            String authorization, byte[] body, String baseUrl, BooleanSupplier alive) {
        if (sub.startsWith("/agent/")) {
            return agent == null ? done(noDeploy()) : agent(method, sub, query, authorization, body, baseUrl, alive);
        }
        Optional<ApiResponse> denied = auth.check(authorization, !isRead(method));
        if (denied.isPresent()) {
            return CompletableFuture.completedFuture(denied.get());
        }
        if (deploy != null && method.equals("POST") && sub.equals("/images")) {
            return deploy.addImage(body);
        }
        return CompletableFuture.completedFuture(admin(method, sub, query, body));
    }

    private CompletableFuture<ApiResponse> agent(String method, String sub, Map<String, List<String>> query,
            String authorization, byte[] body, String baseUrl, BooleanSupplier alive) {
        if (sub.equals("/agent/register")) {
            return done(method.equals("POST") ? agent.register(body) : notAllowed("POST"));
        }
        if (sub.equals("/agent/jobs/next")) {
            return method.equals("GET") ? agent.next(authorization, first(query, "wait"), baseUrl, alive)
                    : done(notAllowed("GET"));
        }
        String[] p = sub.split("/", -1); // "", "agent", "jobs", id, events|result
        if (p.length == 5 && p[2].equals("jobs") && !p[3].isEmpty()) {
            if (!method.equals("POST")) {
                return done(notAllowed("POST"));
            }
            if (p[4].equals("events")) {
                return done(agent.events(authorization, p[3], body));
            }
            if (p[4].equals("result")) {
                return done(agent.result(authorization, p[3], body));
            }
        }
        return done(notFound(sub));
    }

    private ApiResponse admin(String method, String sub, Map<String, List<String>> query, byte[] body) {
        if (sub.equals("/machines") || sub.equals("/machines/")) {
            return isRead(method) ? machines.list() : notAllowed("GET");
        }
        if (sub.startsWith("/machines/") && sub.indexOf('/', "/machines/".length()) < 0) {
            String mac = sub.substring("/machines/".length());
            return switch (method) {
                case "GET", "HEAD" -> machines.get(mac);
                case "PUT" -> machines.put(mac, body);
                case "DELETE" -> machines.delete(mac);
                default -> notAllowed("GET, PUT, DELETE");
            };
        }
        if (deploy == null) {
            return notFound(sub);
        }
        String[] p = sub.split("/", -1);
        if (p.length == 4 && p[1].equals("machines") && !p[2].isEmpty()) {
            return switch (p[3]) {
                case "reimage" -> method.equals("POST") ? deploy.reimage(p[2], body) : notAllowed("POST");
                case "jobs" -> method.equals("POST") ? deploy.submit(p[2], body)
                        : isRead(method) ? deploy.jobs(p[2]) : notAllowed("GET, POST");
                default -> notFound(sub);
            };
        }
        if (sub.equals("/jobs")) {
            return isRead(method) ? deploy.jobs(first(query, "machine")) : notAllowed("GET");
        }
        if (p.length == 3 && p[1].equals("jobs") && !p[2].isEmpty()) {
            return isRead(method) ? deploy.job(p[2]) : notAllowed("GET");
        }
        if (sub.equals("/images")) {
            return isRead(method) ? deploy.images() : notAllowed("GET, POST");
        }
        if (sub.equals("/events")) {
            return isRead(method) ? deploy.events(first(query, "machine")) : notAllowed("GET");
        }
        if (sub.equals("/agents")) {
            return isRead(method) ? deploy.agents() : notAllowed("GET");
        }
        return notFound(sub);
    }

    private static CompletableFuture<ApiResponse> done(ApiResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static ApiResponse noDeploy() {
        return ApiResponse.error(404, "path: this runtime does not deploy images");
    }

    private static ApiResponse notFound(String sub) {
        return ApiResponse.error(404, "path: no such endpoint " + PREFIX + StaticFiles.printable(sub));
    }

    private static ApiResponse notAllowed(String allow) {
        return ApiResponse.error(405, "method: not allowed here (allowed: " + allow + ")").withHeader("Allow", allow);
    }

    private static boolean isRead(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }
}
