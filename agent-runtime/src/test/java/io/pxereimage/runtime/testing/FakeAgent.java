package io.pxereimage.runtime.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.net.MacAddress;

/**
 * A scripted deploy agent: reads its boot token from the iPXE script the way the real one reads it from
 * {@code /proc/cmdline}, then speaks docs/agent-protocol.md over the JDK's HTTP client.
 */
public final class FakeAgent {
    static final Pattern TOKEN = Pattern.compile("pxe\\.token=([0-9a-f]{64})");
    static final Pattern RUNTIME = Pattern.compile("pxe\\.runtime=(\\S+)");
    static final ObjectMapper JSON = new ObjectMapper();
    public static final String INVENTORY = "{\"cpu\":{\"model\":\"QEMU Virtual CPU\",\"count\":2},"
            + "\"memoryBytes\":536870912,\"firmware\":\"bios\",\"system\":{\"uuid\":\"u-1\",\"serial\":null,"
            + "\"vendor\":\"QEMU\",\"product\":\"Standard PC\"},\"disks\":[{\"name\":\"vda\",\"path\":\"/dev/vda\","
            + "\"sizeBytes\":1073741824,\"model\":null,\"serial\":null,\"removable\":false,\"rotational\":true}],"
            + "\"nics\":[{\"name\":\"eth0\",\"mac\":\"52:54:00:12:34:56\",\"up\":true,\"speedMbps\":-1}]}";

    private final Supplier<String> base;
    private final MacAddress mac;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    public String script;
    public String sessionToken;

    public FakeAgent(Supplier<String> base, MacAddress mac) {
        this.base = base;
        this.mac = mac;
    }

    /** Fetches the iPXE script as iPXE would and returns the boot token on its kernel line. */
    public String bootToken() throws Exception {
        script = client.send(HttpRequest.newBuilder(URI.create(base.get() + "/boot/" + mac + ".ipxe")).build(),
                BodyHandlers.ofString()).body();
        Matcher m = TOKEN.matcher(script);
        if (!m.find()) {
            throw new AssertionError("no pxe.token in script:\n" + script);
        }
        return m.group(1);
    }

    public String runtimeUrl() {
        Matcher m = RUNTIME.matcher(script);
        return m.find() ? m.group(1) : null;
    }

    public HttpResponse<String> register(String token) throws Exception {
        return register(mac.toString(), token);
    }

    public HttpResponse<String> register(String asMac, String token) throws Exception {
        HttpResponse<String> r = post("/api/v1/agent/register", "{\"mac\":\"" + asMac + "\",\"token\":\"" + token
                + "\",\"inventory\":" + INVENTORY + "}");
        if (r.statusCode() == 200) {
            sessionToken = JSON.readTree(r.body()).path("sessionToken").asText();
        }
        return r;
    }

    public HttpResponse<String> next(int waitSeconds) throws Exception {
        return nextAsync(waitSeconds).get();
    }

    public CompletableFuture<HttpResponse<String>> nextAsync(int waitSeconds) {
        return client.sendAsync(request("/api/v1/agent/jobs/next?wait=" + waitSeconds).GET().build(),
                BodyHandlers.ofString());
    }

    public HttpResponse<String> progress(String jobId, long bytes, long total) throws Exception {
        return post("/api/v1/agent/jobs/" + jobId + "/events", "{\"events\":[{\"time\":\"2026-11-23T13:00:00Z\","
                + "\"kind\":\"progress\",\"bytes\":" + bytes + ",\"totalBytes\":" + total
                + ",\"bytesPerSecond\":20971520,\"etaSeconds\":3},{\"time\":\"2026-11-23T13:00:00Z\",\"kind\":\"log\","
                + "\"message\":\"wrote " + bytes + "\"}]}");
    }

    public HttpResponse<String> result(String jobId, String status, String message) throws Exception {
        return post("/api/v1/agent/jobs/" + jobId + "/result", "{\"status\":\"" + status + "\",\"message\":\""
                + message + "\"}");
    }

    public static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(request(path).POST(BodyPublishers.ofString(body)).header("Content-Type",
                "application/json").build(), BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.get() + path)).timeout(Duration.ofSeconds(90));
        if (sessionToken != null) {
            b.header("Authorization", "Bearer " + sessionToken);
        }
        return b;
    }
}
