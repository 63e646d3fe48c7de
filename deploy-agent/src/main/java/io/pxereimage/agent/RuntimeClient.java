package io.pxereimage.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.protocol.RegisterRequest;
import io.pxereimage.protocol.RegisterResponse;

/** The agent side of docs/agent-protocol.md: plain HTTP/1.1 requests with JSON bodies. */
final class RuntimeClient {
    /** The runtime said no (401/403): retrying fast will not help. */
    static final class RejectedException extends IOException {
        final int status;

        RejectedException(int status, String reason) {
            super("HTTP " + status + ": " + reason);
            this.status = status;
        }
    }

    private final HttpClient http;
    private final URI base;
    private volatile String session;

    RuntimeClient(HttpClient http, URI base) {
        this.http = http;
        this.base = base;
    }

    static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    RegisterResponse register(RegisterRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = send(post("/api/v1/agent/register", request, false), Duration.ofSeconds(30));
        if (r.statusCode() != 200) {
            throw failure(r);
        }
        RegisterResponse response = Json.MAPPER.readValue(r.body(), RegisterResponse.class);
        if (response.sessionToken() == null || response.sessionToken().isEmpty()) {
            throw new IOException("registration answer without a session token");
        }
        session = response.sessionToken();
        return response;
    }

    /** A job as JSON (the caller maps it, so an unknown type can still be failed by id), or empty on 204. */
    Optional<JsonNode> nextJob(int waitSeconds) throws IOException, InterruptedException {
        HttpRequest req = authorized(HttpRequest.newBuilder(base.resolve("/api/v1/agent/jobs/next?wait=" + waitSeconds)))
                .timeout(Duration.ofSeconds(waitSeconds + 15L)).GET().build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() == 204) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw failure(r);
        }
        return Optional.of(Json.MAPPER.readTree(r.body()));
    }

    void postEvents(String jobId, AgentEvent.Batch batch) throws IOException, InterruptedException {
        expectOk(send(post("/api/v1/agent/jobs/" + jobId + "/events", batch, true), Duration.ofSeconds(30)));
    }

    void postResult(String jobId, JobResult result) throws IOException, InterruptedException {
        expectOk(send(post("/api/v1/agent/jobs/" + jobId + "/result", result, true), Duration.ofSeconds(30)));
    }

    private void expectOk(HttpResponse<String> r) throws IOException {
        if (r.statusCode() / 100 != 2) {
            throw failure(r);
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        String s = session;
        return s == null ? b : b.header("Authorization", "Bearer " + s);
    }

    private HttpRequest.Builder post(String path, Object body, boolean auth) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
        return auth ? authorized(b) : b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b, Duration timeout) throws IOException, InterruptedException {
        return http.send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static IOException failure(HttpResponse<String> r) {
        String reason = errorText(r.body());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            return new RejectedException(r.statusCode(), reason);
        }
        return new IOException("HTTP " + r.statusCode() + " from " + r.request().uri().getPath() + ": " + reason);
    }

    private static String errorText(String body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall through to the raw text
        }
        String t = body == null ? "" : body.strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    /** What logs may show of a token: the first 6 hex digits of its SHA-256 (as the runtime logs it). */
    static String fingerprint(String token) {
        if (token == null) {
            return "none";
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
