package io.pxereimage.jenkins.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.pxereimage.runtime.http.SseReader;

/**
 * A typed client of the runtime's lease and pool API ({@code docs/http-api.md}): leases, the pool's machines, stored
 * events and the live event stream (Server-Sent Events) of one lease. Thread-safe; one instance per runtime.
 *
 * <p>The bearer token goes only into the {@code Authorization} header: it is not in {@link #toString}, in log lines
 * (method, path and status only) or in exception messages.
 */
public final class RuntimeClient {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeClient.class);
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /**
     * The body of {@code POST /api/v1/leases}. {@code data} values may be secrets (an agent secret):
     * {@link #toString} shows their keys only.
     */
    public record LeaseRequest(String labels, String image, String hostname, Map<String, String> data,
            String client, @JsonProperty("wait") Boolean waitForMachine, Integer timeoutSeconds,
            Integer heartbeatSeconds) {
        public LeaseRequest {
            data = data == null ? null : Map.copyOf(data);
        }

        @Override
        public String toString() {
            return "LeaseRequest[labels=" + labels + ", image=" + image + ", hostname=" + hostname + ", keys="
                    + (data == null ? "[]" : data.keySet()) + ", client=" + client + "]";
        }
    }

    /** A lease as the runtime shows it (data values are never shown, only their keys). */
    public record Lease(String id, String client, String labels, String image, String hostname,
            List<String> dataKeys, @JsonProperty("wait") boolean waitForMachine, String state, String machine,
            String machineState, String message, Instant created, Instant deadline, Instant expires,
            Instant readyAt, Instant endedAt, int heartbeatSeconds) {
        /** {@code released}, {@code expired} or {@code failed}: the lease holds no machine any more. */
        public boolean ended() {
            return "released".equals(state) || "expired".equals(state) || "failed".equals(state);
        }

        public boolean ready() {
            return "ready".equals(state);
        }
    }

    /** A pool machine ({@code GET /api/v1/pool}). */
    public record Machine(String name, List<String> labels, String state, String lease, String owner, int failures,
            String message, Instant since) {
    }

    /** A pool event; {@code machine}, {@code from} and {@code to} are null for lease-only events. */
    public record PoolEvent(long seq, Instant time, String machine, String lease, String from, String to,
            String cause, String message) {
    }

    private static final JavaType LEASES = JSON.getTypeFactory().constructType(new TypeReference<List<Lease>>() { });
    private static final JavaType MACHINES = JSON.getTypeFactory()
            .constructType(new TypeReference<List<Machine>>() { });
    private static final JavaType EVENTS = JSON.getTypeFactory()
            .constructType(new TypeReference<List<PoolEvent>>() { });

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base the runtime's URL, {@code http://10.0.0.1:8080} (a path prefix is kept, {@code /api/v1} is added)
     * @param token the API bearer token, or null for a runtime without one (read-only)
     * @param timeout for each call (the event stream: until its headers arrive)
     */
    public RuntimeClient(URI base, String token, Duration timeout) {
        String b = Objects.requireNonNull(base, "base").toString();
        if (!b.startsWith("http://") && !b.startsWith("https://")) {
            throw new IllegalArgumentException("runtime URL: must start with http:// or https://, not " + b);
        }
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    public RuntimeClient(URI base, String token) {
        this(base, token, Duration.ofSeconds(30));
    }

    public URI url() {
        return base;
    }

    // ---- leases ----------------------------------------------------------------------------------------------

    /** Creates a lease: granted, pending or already failed (no machine matches): see its state. */
    public Lease create(LeaseRequest request) throws RuntimeApiException {
        return read(send("POST", "/leases", request, 201), Lease.class);
    }

    /** The lease, or empty when the runtime does not know it. */
    public Optional<Lease> lease(String id) throws RuntimeApiException {
        Answer a = send("GET", "/leases/" + segment(id), null, 200, 404);
        return a.status == 404 ? Optional.empty() : Optional.of(read(a, Lease.class));
    }

    /** Leases, newest first; {@code client} and {@code state} filter when not null. */
    public List<Lease> leases(String client, String state) throws RuntimeApiException {
        StringBuilder q = new StringBuilder();
        if (client != null) {
            q.append("client=").append(segment(client));
        }
        if (state != null) {
            q.append(q.length() == 0 ? "" : "&").append("state=").append(segment(state));
        }
        return read(send("GET", "/leases" + (q.length() == 0 ? "" : "?" + q), null, 200), LEASES);
    }

    /** The leases of {@code client} that hold or wait for a machine (pending, provisioning, ready). */
    public List<Lease> activeLeases(String client) throws RuntimeApiException {
        // One call per live state: a list of all states is capped (newest first), a long-lived lease could fall off.
        List<Lease> all = new ArrayList<>();
        for (String state : List.of("pending", "provisioning", "ready")) {
            all.addAll(leases(Objects.requireNonNull(client, "client"), state));
        }
        return all;
    }

    /** Renews a lease. An ended lease is returned as it is (check {@link Lease#ended}); an unknown one throws 404. */
    public Lease heartbeat(String id) throws RuntimeApiException {
        return read(send("POST", "/leases/" + segment(id) + "/heartbeat", null, 200, 409), Lease.class);
    }

    /** Ends a lease; its machine is cleaned and returns to the pool. Releasing an ended lease is harmless. */
    public Lease release(String id) throws RuntimeApiException {
        return read(send("DELETE", "/leases/" + segment(id), null, 202), Lease.class);
    }

    // ---- pool and events -------------------------------------------------------------------------------------

    public List<Machine> machines() throws RuntimeApiException {
        return read(send("GET", "/pool", null, 200), MACHINES);
    }

    /** Stored events after {@code afterSeq}, oldest first; {@code lease} filters when not null. */
    public List<PoolEvent> events(long afterSeq, String lease, int limit) throws RuntimeApiException {
        String q = "?after=" + afterSeq + "&limit=" + limit + (lease == null ? "" : "&lease=" + segment(lease));
        return read(send("GET", "/pool/events" + q, null, 200), EVENTS);
    }

    // ---- deployment (the pxeReimage build step) ---------------------------------------------------------------

    /** A deploy job ({@code GET /api/v1/jobs/{id}}); {@code events} is null in the answer to a reimage. */
    public record DeployJob(String id, String type, String machine, String state, Instant created, Instant started,
            Instant finished, String message, String detail, JobProgress progress, List<JobEvent> events) {
        /** {@code succeeded} or {@code failed}. */
        public boolean done() {
            return "succeeded".equals(state) || "failed".equals(state);
        }
    }

    /** The last progress report of a job; {@code percent} is 0..100. */
    public record JobProgress(long bytes, long totalBytes, int percent, long bytesPerSecond, long etaSeconds) {
    }

    /** What the machine's deploy agent reported: {@code progress} or {@code log}. */
    public record JobEvent(Instant time, String kind, Long bytes, Long totalBytes, Long bytesPerSecond,
            Long etaSeconds, String message) {
    }

    private record ReimageBody(String image) {
    }

    /** Starts reimaging {@code machine} (name or MAC) with catalog image {@code image}: the queued job. */
    public DeployJob reimage(String machine, String image) throws RuntimeApiException {
        return read(send("POST", "/machines/" + segment(machine) + "/reimage", new ReimageBody(image), 202),
                DeployJob.class);
    }

    /** The job with its events, or empty when the runtime does not know it. */
    public Optional<DeployJob> job(String id) throws RuntimeApiException {
        Answer a = send("GET", "/jobs/" + segment(id), null, 200, 404);
        return a.status == 404 ? Optional.empty() : Optional.of(read(a, DeployJob.class));
    }

    /**
     * Follows the live events of one lease (Server-Sent Events) from after {@code afterSeq}. Nothing happens until
     * {@link EventFollow#run}.
     */
    public EventFollow follow(String leaseId, long afterSeq) {
        return new EventFollow(Objects.requireNonNull(leaseId, "leaseId"), afterSeq);
    }

    /**
     * A blocking follow of one lease's event stream. When the connection drops it reconnects with
     * {@code Last-Event-ID} (the last event seen), so no event is lost or repeated; it gives up after
     * {@code retries} failures in a row. {@link #close} ends it from another thread.
     */
    public final class EventFollow implements AutoCloseable {
        private final String lease;
        private volatile long last;
        private volatile boolean closed;
        private volatile InputStream current;
        private int retries = 5;
        private Duration retryDelay = Duration.ofSeconds(1);

        private EventFollow(String lease, long afterSeq) {
            this.lease = lease;
            this.last = afterSeq;
        }

        public EventFollow retries(int count, Duration delay) {
            this.retries = count;
            this.retryDelay = delay;
            return this;
        }

        /** The sequence number of the last event delivered. */
        public long lastSeq() {
            return last;
        }

        /**
         * Delivers events to {@code onEvent} until it returns true (then true) or {@link #close} is called (false).
         *
         * @throws RuntimeApiException when the runtime refuses (4xx) or cannot be reached {@code retries} times
         */
        public boolean run(Predicate<PoolEvent> onEvent) throws RuntimeApiException {
            int failures = 0;
            String why = "the event stream ended";
            while (!closed) {
                String path = "/events?lease=" + segment(lease);
                HttpRequest.Builder b = request(path).timeout(timeout).header("Accept", "text/event-stream").GET()
                        .header("Last-Event-ID", Long.toString(last));
                try {
                    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() != 200) {
                        byte[] body;
                        try (InputStream in = r.body()) {
                            body = in.readAllBytes();
                        }
                        RuntimeApiException e = refusal("GET", path, r.statusCode(), body);
                        if (r.statusCode() < 500) {
                            throw e;
                        }
                        why = e.getMessage();
                    } else {
                        current = r.body();
                        LOG.debug("GET /api/v1/events (lease {}) -> 200, after event {}", lease, last);
                        if (closed) {
                            return false;
                        }
                        if (readFrames(r.body(), onEvent)) {
                            return true;
                        }
                        failures = 0;
                        why = "the event stream ended";
                    }
                } catch (IOException e) {
                    why = closed ? "closed" : "the event stream broke: " + describe(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RuntimeApiException("GET " + path + ": interrupted", 0, e);
                } finally {
                    InputStream in = current;
                    current = null;
                    if (in != null) {
                        closeQuietly(in);
                    }
                }
                if (closed) {
                    break;
                }
                if (++failures > retries) {
                    throw new RuntimeApiException("events of lease " + lease + ": " + why + " (" + retries
                            + " reconnects failed)", 0, null);
                }
                LOG.debug("events of lease {}: {}; reconnecting after event {}", lease, why, last);
                try {
                    Thread.sleep(retryDelay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RuntimeApiException("events of lease " + lease + ": interrupted", 0, e);
                }
            }
            return false;
        }

        /** Reads events until the stream ends (false) or the handler says stop (true). */
        private boolean readFrames(InputStream in, Predicate<PoolEvent> onEvent) throws IOException {
            SseReader reader = new SseReader(in);
            for (SseReader.Event frame; (frame = reader.next()) != null; ) {
                if (frame.data() == null) {
                    continue;
                }
                if ("error".equals(frame.name())) {
                    throw new IOException("the runtime ended the stream: "
                            + JSON.readTree(frame.data()).path("error").asText("error event"));
                }
                PoolEvent e = JSON.readValue(frame.data(), PoolEvent.class);
                last = frame.id() != null ? Long.parseLong(frame.id()) : e.seq();
                if (onEvent.test(e)) {
                    return true;
                }
            }
            return false;
        }

        /** Drops the current connection as a network failure would (tests: the follow reconnects). */
        void dropConnection() {
            InputStream in = current;
            if (in != null) {
                closeQuietly(in);
            }
        }

        @Override
        public void close() {
            closed = true;
            dropConnection();
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    private record Answer(int status, byte[] body, String call) {
    }

    private Answer send(String method, String path, Object body, int... ok) throws RuntimeApiException {
        String call = method + " /api/v1" + path;
        HttpRequest.Builder b = request(path).timeout(timeout);
        try {
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            LOG.debug("{} -> {}", call, r.statusCode());
            for (int s : ok) {
                if (r.statusCode() == s) {
                    return new Answer(s, r.body(), call);
                }
            }
            throw refusal(method, path, r.statusCode(), r.body());
        } catch (IOException e) {
            throw new RuntimeApiException(call + ": " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeApiException(call + ": interrupted", 0, e);
        }
    }

    private String describe(IOException e) {
        if (e instanceof ConnectException) {
            return "cannot connect to the runtime at " + base + " (is it running? is the URL right?)";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection to the runtime at " + base + " within the connect timeout";
        }
        if (e instanceof HttpTimeoutException) {
            return "the runtime at " + base + " did not answer within " + timeout.toSeconds() + " s";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private RuntimeApiException refusal(String method, String path, int status, byte[] body) {
        String reason;
        try {
            JsonNode json = body.length == 0 ? null : JSON.readTree(body);
            reason = json != null && json.path("error").isTextual() ? json.path("error").asText() : null;
        } catch (IOException e) {
            reason = null;
        }
        if (reason == null) {
            reason = switch (status) {
                case 401 -> "the runtime refused the API token (check the token)";
                case 403 -> "the runtime refused the call (does it have an API token configured?)";
                default -> "HTTP " + status;
            };
        }
        String message = method + " /api/v1" + path + ": " + status + " " + reason;
        LOG.debug("{}", message);
        return new RuntimeApiException(message, status, null);
    }

    private <T> T read(Answer a, Class<T> type) throws RuntimeApiException {
        try {
            return JSON.readValue(a.body, type);
        } catch (IOException e) {
            throw new RuntimeApiException(a.call + ": unexpected answer: " + e.getMessage(), a.status, e);
        }
    }

    private <T> T read(Answer a, JavaType type) throws RuntimeApiException {
        try {
            return JSON.readValue(a.body, type);
        } catch (IOException e) {
            throw new RuntimeApiException(a.call + ": unexpected answer: " + e.getMessage(), a.status, e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    @Override
    public String toString() {
        return "RuntimeClient[" + base + ", token " + (token == null ? "none" : "set") + "]";
    }
}
