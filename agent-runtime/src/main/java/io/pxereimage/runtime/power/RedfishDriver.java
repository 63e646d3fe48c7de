package io.pxereimage.runtime.power;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.SSLException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.power.PowerException.Kind;

/**
 * DMTF Redfish: service root, Systems collection, then the configured (or the first) ComputerSystem.
 * Power via the {@code #ComputerSystem.Reset} action, one-time PXE via {@code Boot.BootSourceOverrideTarget}.
 */
public final class RedfishDriver implements PowerDriver {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ON = List.of("On", "ForceOn", "PushPowerButton");
    private static final List<String> OFF = List.of("ForceOff", "GracefulShutdown", "PushPowerButton");
    private static final List<String> CYCLE = List.of("PowerCycle", "ForceRestart", "GracefulRestart");

    private final URI base;
    private final String systemId;
    private final String authHeader;
    private final Duration timeout;
    private final TrustPolicy trust;
    private final HttpClient http;
    private String systemPath;
    private String systemEtag;

    /**
     * @param base     e.g. {@code https://10.0.0.5} (no path)
     * @param systemId the system's Id, or null for the first member of the Systems collection
     */
    public RedfishDriver(URI base, String systemId, String user, String password, TrustPolicy trust,
            Duration timeout) throws PowerException {
        this.base = base;
        this.systemId = systemId;
        this.authHeader = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.trust = trust;
        try {
            this.http = HttpClient.newBuilder().sslContext(trust.sslContext()).connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new PowerException(Kind.PROTOCOL, "TLS trust policy " + trust.describe() + " unusable: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public State status() throws PowerException {
        String s = system().path("PowerState").asText("");
        switch (s) {
            case "On":
                return State.ON;
            case "Off":
                return State.OFF;
            default:
                return State.UNKNOWN;
        }
    }

    @Override
    public void on() throws PowerException {
        reset(ON);
    }

    @Override
    public void off() throws PowerException {
        reset(OFF);
    }

    @Override
    public void cycle() throws PowerException {
        reset(CYCLE);
    }

    @Override
    public void bootPxeOnce() throws PowerException {
        JsonNode sys = system();
        JsonNode allowed = sys.path("Boot").path("BootSourceOverrideTarget@Redfish.AllowableValues");
        if (allowed.isArray() && !contains(allowed, "Pxe")) {
            throw new PowerException(Kind.UNSUPPORTED, base + systemPath + " does not offer Pxe as boot target");
        }
        // BMCs that publish an ETag may insist on If-Match for PATCH (optimistic locking)
        send("PATCH", systemPath, systemEtag, "{\"Boot\":{\"BootSourceOverrideTarget\":\"Pxe\","
                + "\"BootSourceOverrideEnabled\":\"Once\"}}");
    }

    private void reset(List<String> preferred) throws PowerException {
        JsonNode action = system().path("Actions").path("#ComputerSystem.Reset");
        String target = action.path("target").asText(null);
        if (target == null) {
            throw new PowerException(Kind.UNSUPPORTED, base + systemPath + " has no #ComputerSystem.Reset action");
        }
        JsonNode allowed = action.path("ResetType@Redfish.AllowableValues");
        String type = null;
        for (String p : preferred) {
            if (!allowed.isArray() || contains(allowed, p)) {
                type = p;
                break;
            }
        }
        if (type == null) {
            throw new PowerException(Kind.UNSUPPORTED, base + systemPath + " allows none of " + preferred
                    + " (allowed: " + allowed + ")");
        }
        send("POST", target, null, "{\"ResetType\":\"" + type + "\"}");
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private JsonNode system() throws PowerException {
        if (systemPath == null) {
            JsonNode root = get("/redfish/v1");
            String systems = root.path("Systems").path("@odata.id").asText(null);
            if (systems == null) {
                throw new PowerException(Kind.PROTOCOL, base + "/redfish/v1 has no Systems collection");
            }
            List<String> members = new ArrayList<>();
            for (JsonNode m : get(systems).path("Members")) {
                members.add(m.path("@odata.id").asText());
            }
            String found = null;
            for (String m : members) {
                if (systemId == null || m.endsWith("/" + systemId)) {
                    found = m;
                    break;
                }
            }
            if (found == null) {
                throw new PowerException(Kind.PROTOCOL, base + systems + ": no system "
                        + (systemId == null ? "at all" : systemId) + " among " + members);
            }
            systemPath = found;
        }
        return get(systemPath);
    }

    private JsonNode get(String path) throws PowerException {
        HttpResponse<String> r = send("GET", path, null, null);
        if (path.equals(systemPath)) {
            systemEtag = r.headers().firstValue("ETag").orElse(null);
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new PowerException(Kind.PROTOCOL, base + path + " is not JSON: " + e.getMessage(), e);
        }
    }

    private HttpResponse<String> send(String method, String path, String ifMatch, String json)
            throws PowerException {
        URI uri = base.resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", authHeader)
                .header("Accept", "application/json");
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        if (json == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new PowerException(Kind.TIMEOUT, "BMC " + base + ": no connection within " + timeout.toMillis()
                    + " ms", e);
        } catch (HttpTimeoutException e) {
            throw new PowerException(Kind.TIMEOUT, "BMC " + base + ": no answer to " + method + " " + path
                    + " within " + timeout.toMillis() + " ms", e);
        } catch (ConnectException e) {
            throw new PowerException(Kind.UNREACHABLE, "BMC " + base + " unreachable: "
                    + (e.getMessage() == null ? "connection refused" : e.getMessage()), e);
        } catch (SSLException e) {
            throw new PowerException(Kind.PROTOCOL, "BMC " + base + ": TLS failed (trust policy "
                    + trust.describe() + "): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new PowerException(Kind.UNREACHABLE, "BMC " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerException(Kind.TIMEOUT, "BMC " + base + ": interrupted", e);
        }
        int code = r.statusCode();
        if (code == 401 || code == 403) {
            throw new PowerException(Kind.AUTH, "BMC " + base + ": authentication failed (HTTP " + code
                    + ", wrong user name or password?) for " + method + " " + path);
        }
        if (code / 100 != 2) {
            throw new PowerException(Kind.PROTOCOL, "BMC " + base + ": " + method + " " + path + " answered HTTP "
                    + code + redfishMessage(r.body()));
        }
        return r;
    }

    private static String redfishMessage(String body) {
        try {
            String m = JSON.readTree(body).path("error").path("message").asText("");
            return m.isEmpty() ? "" : ": " + m;
        } catch (IOException e) {
            return "";
        }
    }
}
