package io.pxereimage.runtime.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The runtime's REST API as a lab client sees it: curl in the server namespace with the bearer token from a file
 * (the header is built by curl from {@code -H @file}, so the token is on no command line).
 */
final class LabApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabFixture lab;
    private final String base;
    private final Path header;

    LabApi(LabFixture lab, String base, Path tokenFile) throws Exception {
        this.lab = lab;
        this.base = base;
        this.header = lab.file("api-auth-header");
        Files.writeString(header, "Authorization: Bearer " + Files.readString(tokenFile).strip() + "\n");
    }

    record Answer(int status, JsonNode body) {
    }

    /** One call at a time: the heartbeat thread and the test share the output file and the curl log. */
    synchronized Answer call(String method, String path, Object body) throws Exception {
        Path out = lab.file("api-out.json");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(lab.inNamespace("srv", "curl", "-sS", "--max-time", "20", "-o",
                out.toString(), "-w", "%{http_code}", "-X", method, "-H", "@" + header, base + "/api/v1" + path));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary",
                    JSON.writeValueAsString(body)));
        }
        Path log = lab.file("api-curl.log");
        long before = Files.exists(log) ? Files.size(log) : 0;
        Procs.run(cmd, Map.of(), log, Duration.ofSeconds(30));
        String printed = Procs.read(log).substring((int) before).strip();
        int status = printed.matches(".*\\d{3}$") ? Integer.parseInt(printed.substring(printed.length() - 3)) : 0;
        String text = Files.exists(out) ? Files.readString(out) : "";
        return new Answer(status, text.isBlank() ? JSON.nullNode() : JSON.readTree(text));
    }

    JsonNode ok(String method, String path, Object body) throws Exception {
        Answer a = call(method, path, body);
        if (a.status() < 200 || a.status() > 299) {
            throw new AssertionError(method + " " + path + " -> " + a.status() + " " + a.body());
        }
        return a.body();
    }

    /** The pool machine's state ({@code GET /pool/NAME}), or "?" while the runtime does not answer. */
    String machineState(String name) {
        try {
            Answer a = call("GET", "/pool/" + name, null);
            return a.status() == 200 ? a.body().path("state").asText() : "?";
        } catch (Exception e) {
            return "?";
        }
    }

    /** The transitions of a machine, oldest first: "available", "leased", ... */
    List<String> path(String machine) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ok("GET", "/pool/events?machine=" + machine, null)) {
            if (!e.path("to").isNull() && !e.path("to").isMissingNode()) {
                out.add(e.get("to").asText());
            }
        }
        return out;
    }
}
