package io.pxereimage.runtime.http;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pxereimage.runtime.api.ActionsResource;
import io.pxereimage.runtime.api.AgentResource;
import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.DeployResource;
import io.pxereimage.runtime.api.LeaseResource;
import io.pxereimage.runtime.api.MachinesResource;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.audit.AuditLog;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.election.ElectionStatus;

/**
 * Routes {@code /api/v1/**} to the resources of {@code io.pxereimage.runtime.api}: {@code /agent/**} with the
 * agent's own tokens (boot token, session token), everything else after the admin token check.
 *
 * <p>Some answers come later (the agent's long-poll, image import on a worker): the future is completed from
 * another thread and the response written on the connection's event loop.
 *
 * <p>{@code GET /events} with {@code Accept: text/event-stream} is a Server-Sent Events stream of pool events
 * ({@link PoolEventStream}); without that header it stays the JSON list of deploy events. {@code GET /live} is the
 * dashboard's stream ({@link LiveStream}).
 *
 * <p>Every request outside {@code /agent/**} resolves to a principal ({@link ApiAuth}); every state-changing one is
 * recorded in the {@link AuditLog} once answered, allowed or refused, with the token's name and never its body.
 *
 * <p>Logging: method, path and status only. Headers are never logged (the Authorization header carries a token)
 * and neither is the query string: {@code POST /agent/ready?token=} carries the booted OS's credential there.
 */
final class ApiRoute {
    static final String PREFIX = "/api/v1";
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoute.class);

    private final MachinesResource machines;
    private final ApiAuth auth;
    private final AgentResource agent;
    private final DeployResource deploy;
    private final LeaseResource pool;
    private final ActionsResource actions;
    private volatile DeployServices deployServices;
    private volatile Activity activity;
    private volatile AuditLog audit = new AuditLog(null, Clock.systemUTC());
    private volatile Duration sseKeepAlive = SseStream.DEFAULT_KEEPALIVE;
    private volatile Supplier<ElectionStatus> election;

    ApiRoute(MachinesResource machines, ApiAuth auth) {
        this(machines, auth, null, null, null);
    }

    ApiRoute(MachinesResource machines, ApiAuth auth, AgentResource agent, DeployResource deploy) {
        this(machines, auth, agent, deploy, null);
    }

    /**
     * {@code agent}, {@code deploy} and {@code pool} may be null: a runtime without deployment (or without a
     * pool) answers 404 there.
     */
    ApiRoute(MachinesResource machines, ApiAuth auth, AgentResource agent, DeployResource deploy,
            LeaseResource pool) {
        this.machines = machines;
        this.auth = auth;
        this.agent = agent;
        this.deploy = deploy;
        this.pool = pool;
        this.actions = new ActionsResource(machines.registry(), deploy, pool);
    }

    /** The sources of {@code GET /live} and {@code GET /activity} (either may be null). */
    void live(DeployServices deploy, Activity recent) {
        this.deployServices = deploy;
        this.activity = recent;
    }

    /** Where state-changing calls are recorded (default: memory only). */
    void audit(AuditLog log) {
        this.audit = log;
    }

    /** How often an idle event stream gets a {@code : keepalive} comment (tests shorten it). */
    void sseKeepAlive(Duration every) {
        this.sseKeepAlive = every;
    }

    /** {@code GET /election} answers from {@code status}; without it, 404 (no election configured). */
    void election(Supplier<ElectionStatus> status) {
        this.election = status;
    }

    void serve(Exchange ex, String uri, HttpHeaders headers, byte[] body) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        String baseUrl = BootScripts.baseUrl(headers.get(HttpHeaderNames.HOST), ex.ctx.channel().localAddress());
        String method = ex.method.name();
        String sub = ex.path.substring(PREFIX.length());
        // Agent endpoints carry their own credentials (boot, session, ready tokens): no principal, not audited.
        ApiAuth.Decision decision = sub.startsWith("/agent/") ? null : auth.authorize(authorization, !isRead(method));
        Audited audited = decision == null || isRead(method) ? null : new Audited(decision, sub, body);
        Map<String, List<String>> query;
        try {
            query = new QueryStringDecoder(uri).parameters();
        } catch (IllegalArgumentException e) {
            write(ex, ApiResponse.error(400, "query: malformed"), audited);
            return;
        }
        if (HttpMethod.GET.equals(ex.method) && ex.path.equals(PREFIX + "/events")
                && eventStream(headers.get(HttpHeaderNames.ACCEPT))) {
            stream(ex, query, decision, headers.get("Last-Event-ID"));
            return;
        }
        if (HttpMethod.GET.equals(ex.method) && sub.equals("/live")) {
            if (!decision.allowed() || signInFirst(sub, decision)) {
                write(ex, decision.allowed() ? signIn() : decision.refusal());
                return;
            }
            LiveStream.start(ex, pool, deployServices, activity, sseKeepAlive);
            return;
        }
        CompletableFuture<ApiResponse> answer = dispatch(method, sub, query, decision, authorization, body, baseUrl,
                () -> ex.ctx.channel().isActive());
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            write(ex, answer.join(), audited);
            return;
        }
        // Reading stays on while the answer is pending, so a poller that hangs up is seen (channel inactive) and
        // its job stays queued. Clients here (agent, CLI, iPXE) do not pipeline requests.
        answer.whenComplete((r, failure) -> ex.ctx.executor().execute(() -> {
            if (failure != null) {
                LOG.warn("HTTP API {} {}: unexpected error", ex.method.name(), StaticFiles.printable(ex.path),
                        failure);
            }
            write(ex, failure != null ? ApiResponse.error(500, "internal error") : r, audited);
        }));
    }

    /** A state-changing call to record once answered: who asked, and what (never the body itself). */
    private record Audited(ApiAuth.Decision decision, String sub, byte[] body) {
    }

    private void record(Exchange ex, Audited a, ApiResponse r) {
        ApiAuth.Principal who = a.decision().principal();
        String action;
        String target;
        if (a.sub().equals("/actions")) {
            ActionsResource.Asked asked = ActionsResource.asked(a.body());
            action = asked.action();
            target = asked.machine();
        } else {
            String[] p = a.sub().split("/", -1); // "", type, id, verb
            String type = p.length > 1 ? p[1] : "";
            target = p.length > 2 && !p[2].isEmpty() ? StaticFiles.printable(p[2]) : null;
            String verb = p.length > 3 ? p[3] : switch (ex.method.name()) {
                case "POST" -> "create";
                default -> ex.method.name().toLowerCase(Locale.ROOT);
            };
            action = StaticFiles.printable(type + "." + verb);
        }
        String detail = r.body() instanceof ApiResponse.Error e ? e.error() : null;
        audit.record(who == null ? null : who.name(), who == null ? null : who.role().wireName(), ex.method.name(),
                StaticFiles.printable(ex.path), action, target, r.status(), detail);
    }

    /** {@code GET /events} as Server-Sent Events; {@code Last-Event-ID} (a reconnect) wins over {@code ?after=}. */
    private void stream(Exchange ex, Map<String, List<String>> query, ApiAuth.Decision decision,
            String lastEventId) {
        if (!decision.allowed()) {
            write(ex, decision.refusal());
            return;
        }
        if (pool == null) {
            write(ex, noPool());
            return;
        }
        long after;
        try {
            after = LeaseResource.afterSeq(lastEventId != null ? lastEventId : first(query, "after"));
        } catch (IllegalArgumentException e) {
            write(ex, ApiResponse.error(400, e.getMessage()));
            return;
        }
        PoolEventStream.start(ex, pool, after, first(query, "machine"), first(query, "lease"), sseKeepAlive);
    }

    private static boolean eventStream(String accept) {
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream");
    }

    private void write(Exchange ex, ApiResponse r, Audited audited) {
        if (audited != null) {
            try {
                record(ex, audited, r);
            } catch (RuntimeException e) {
                LOG.warn("HTTP API {} {}: cannot record it in the audit log", ex.method.name(),
                        StaticFiles.printable(ex.path), e);
            }
        }
        write(ex, r);
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
        ApiAuth.Decision d = sub.startsWith("/agent/") ? null : auth.authorize(authorization, !isRead(method));
        return dispatch(method, sub, Map.of(), d, authorization, body, "http://localhost", () -> true).join();
    }

    /**
     * @param sub e.g. {@code /machines/52:54:00:12:34:56}
     * @param baseUrl how the client reached us, for URLs handed to agents
     */
    CompletableFuture<ApiResponse> dispatch(String method, String sub, Map<String, List<String>> query,
            ApiAuth.Decision decision, String authorization, byte[] body, String baseUrl, BooleanSupplier alive) {
        if (sub.equals("/agent/ready")) {
            // The booted OS has no admin token: the ready token in the query is its credential.
            return pool == null ? done(noPool())
                    : method.equals("POST") ? pool.ready(first(query, "token")) : done(notAllowed("POST"));
        }
        if (sub.startsWith("/agent/")) {
            return agent == null ? done(noDeploy()) : agent(method, sub, query, authorization, body, baseUrl, alive);
        }
        if (!decision.allowed()) {
            return done(decision.refusal());
        }
        if (signInFirst(sub, decision)) {
            return done(signIn());
        }
        ApiAuth.Principal who = decision.principal();
        if (sub.equals("/session")) {
            return done(!isRead(method) ? notAllowed("GET")
                    : ApiResponse.of(200, Map.of("name", who.name(), "role", who.role().wireName())));
        }
        if (sub.equals("/audit")) {
            return done(!isRead(method) ? notAllowed("GET") : !decision.principal().admin()
                    ? ApiResponse.error(403, "role: the audit log is for admin tokens")
                    : auditList(first(query, "limit")));
        }
        if (sub.equals("/activity")) {
            return done(isRead(method) ? activityList(first(query, "limit")) : notAllowed("GET"));
        }
        if (sub.equals("/live")) {
            return done(notAllowed("GET"));
        }
        if (sub.equals("/actions")) {
            return method.equals("POST") ? actions.act(body) : done(notAllowed("POST"));
        }
        if (deploy != null && method.equals("POST") && sub.equals("/images")) {
            return deploy.addImage(body);
        }
        if (poolPath(sub)) {
            return pool == null ? done(noPool()) : pool(method, sub, query, body);
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

    private static boolean poolPath(String sub) {
        return sub.equals("/leases") || sub.startsWith("/leases/") || sub.equals("/pool") || sub.startsWith("/pool/")
                || sub.equals("/sites");
    }

    /** {@code /leases/**} and {@code /pool/**}; every answer comes from the pool's worker. */
    private CompletableFuture<ApiResponse> pool(String method, String sub, Map<String, List<String>> query,
            byte[] body) {
        String[] p = sub.split("/", -1); // "", "leases"|"pool"|"sites", id|name, action
        boolean collection = p.length == 2 || (p.length == 3 && p[2].isEmpty());
        if (p[1].equals("sites")) {
            return isRead(method) ? pool.sites() : done(notAllowed("GET"));
        }
        if (p[1].equals("leases")) {
            if (collection) {
                return method.equals("POST") ? pool.create(body)
                        : isRead(method) ? pool.list(first(query, "client"), first(query, "state"))
                        : done(notAllowed("GET, POST"));
            }
            if (p.length == 3) {
                return isRead(method) ? pool.get(p[2]) : method.equals("DELETE") ? pool.release(p[2])
                        : done(notAllowed("GET, DELETE"));
            }
            if (p.length == 4 && !p[2].isEmpty() && p[3].equals("heartbeat")) {
                return method.equals("POST") ? pool.heartbeat(p[2]) : done(notAllowed("POST"));
            }
            return done(notFound(sub));
        }
        if (collection) {
            return isRead(method) ? pool.machines() : done(notAllowed("GET"));
        }
        if (p.length == 3 && p[2].equals("events")) {
            return isRead(method) ? pool.events(first(query, "after"), first(query, "machine"),
                    first(query, "lease"), first(query, "limit")) : done(notAllowed("GET"));
        }
        if (p.length == 3) {
            return isRead(method) ? pool.machine(p[2]) : done(notAllowed("GET"));
        }
        if (p.length == 4 && !p[2].isEmpty() && (p[3].equals("clear") || p[3].equals("quarantine"))) {
            if (!method.equals("POST")) {
                return done(notAllowed("POST"));
            }
            return p[3].equals("clear") ? pool.clear(p[2]) : pool.quarantine(p[2], body);
        }
        return done(notFound(sub));
    }

    private ApiResponse admin(String method, String sub, Map<String, List<String>> query, byte[] body) {
        if (sub.equals("/election")) {
            Supplier<ElectionStatus> e = election;
            return !isRead(method) ? notAllowed("GET") : e == null
                    ? ApiResponse.error(404, "path: this runtime takes part in no election (no election section)")
                    : ApiResponse.of(200, e.get());
        }
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
        if (sub.equals("/reimage")) {
            return method.equals("POST") ? deploy.reimageMany(body) : notAllowed("POST");
        }
        if (sub.equals("/multicast")) {
            return isRead(method) ? deploy.multicast() : notAllowed("GET");
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

    /**
     * The dashboard's endpoints want a real token even where reads are open to anonymous callers (a runtime without
     * any token): who is logged in, what the boot servers just did (MACs, addresses), the live stream.
     */
    private static boolean signInFirst(String sub, ApiAuth.Decision decision) {
        return decision.principal() == ApiAuth.ANONYMOUS
                && (sub.equals("/session") || sub.equals("/activity") || sub.equals("/live"));
    }

    private static ApiResponse signIn() {
        return ApiAuth.unauthorized("token: log in with one of the runtime's API tokens (http.apiTokenFile or"
                + " http.tokens)");
    }

    /** {@code GET /activity?limit=N}: the newest N lines (default and at most {@value Activity#CAPACITY}). */
    private ApiResponse activityList(String limit) {
        Activity a = activity;
        return limited(limit, Activity.CAPACITY, Activity.CAPACITY, n -> a == null ? List.of() : a.recent(n));
    }

    /** {@code GET /audit?limit=N}: the newest N entries (default 100, at most 1000), newest last. */
    private ApiResponse auditList(String limit) {
        return limited(limit, 100, AuditLog.IN_MEMORY, audit::recent);
    }

    private static ApiResponse limited(String limit, int byDefault, int max, IntFunction<List<?>> newest) {
        try {
            int n = limit == null || limit.isEmpty() ? byDefault : LeaseResource.number("limit", limit, 1, max);
            return ApiResponse.of(200, newest.apply(n));
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, e.getMessage());
        }
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

    private static ApiResponse noPool() {
        return ApiResponse.error(404, "path: this runtime has no pool");
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
