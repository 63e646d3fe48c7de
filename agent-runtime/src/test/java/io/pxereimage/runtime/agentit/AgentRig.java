package io.pxereimage.runtime.agentit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.PxeRuntime;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.LogCapture;

/**
 * A runtime built by {@link PxeRuntime#fromConfig} from a YAML file on 127.0.0.1 (DHCP and TFTP off, HTTP on a
 * free port), plus the real deploy agents it talks to ({@link AgentProcess}), plus a tee of the runtime's log
 * (slf4j-simple writes to whatever {@code System.err} is at each call).
 */
final class AgentRig implements AutoCloseable {
    static final String ADMIN = "admin-token-0123456789abcdef";
    static final String MAC = "52:54:00:12:34:56";
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final PxeRuntime runtime;
    final String base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AgentProcess> agents = new ArrayList<>();
    private LogCapture log;

    /** @param action the machine's plan in the config file: {@code local} or {@code deploy} */
    AgentRig(Path dir, String action, List<String> allowedCommands) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir.resolve("files/deploy"));
        Files.createDirectories(dir.resolve("loaders"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StringBuilder allowed = new StringBuilder();
        for (String c : allowedCommands) {
            allowed.append("\n    - ").append(c);
        }
        String yaml = """
                address: 127.0.0.1
                dataDir: %s
                dhcp: {mode: off}
                tftp: {port: 0, root: %s}
                http: {port: %d, bind: 127.0.0.1, filesRoot: %s, apiToken: %s}
                deploy: {kernel: deploy/vmlinuz, initrds: [deploy/initrd.img], cmdline: quiet}
                agent:
                  pollSeconds: 25
                  allowedCommands:%s
                machines:
                  - {mac: %s, name: m1, action: %s}
                """.formatted(dir.resolve("data"), dir.resolve("loaders"), port, dir.resolve("files"), ADMIN,
                allowedCommands.isEmpty() ? " []" : allowed, MAC, action);
        log = new LogCapture();
        runtime = PxeRuntime.fromConfig(ConfigLoader.parse("agentit.yaml", yaml), "agentit.yaml");
        runtime.start();
        base = "http://127.0.0.1:" + runtime.httpPort();
    }

    String runtimeLog() {
        return log.text();
    }

    /** Log lines are written after the response went out: wait briefly for one to show up. */
    String awaitLog(String needle) throws InterruptedException {
        return log.awaitContaining(needle);
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode adminJson(String method, String path, String body, int expectStatus) throws Exception {
        HttpResponse<String> r = admin(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expectStatus);
        return JSON.readTree(r.body());
    }

    /** {@code POST /images} of a local raw file without a block map (the streaming path); returns its sha256. */
    String addImage(String name, Path file) throws Exception {
        String body = JSON.createObjectNode().put("name", name).put("source", file.toString())
                .put("blockMap", false).toString();
        return adminJson("POST", "/api/v1/images", body, 201).path("sha256").asText();
    }

    /** Reimage with the smallest-fit rule (never an explicit /dev path: the agent would open the host's device). */
    String reimage(String image, String hostname) throws Exception {
        String body = "{\"image\":\"" + image + "\",\"firstBoot\":{\"hostname\":\"" + hostname
                + "\",\"data\":{\"role\":\"test\"}}}";
        return adminJson("POST", "/api/v1/machines/m1/reimage", body, 202).path("id").asText();
    }

    /** What a machine does: GET its iPXE script (minting a boot token). Returns {pxe.runtime, pxe.token}. */
    String[] bootScript() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/boot/" + MAC + ".ipxe"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher runtimeUrl = Pattern.compile("pxe\\.runtime=(\\S+)").matcher(r.body());
        Matcher token = Pattern.compile("pxe\\.token=([0-9a-f]{64})").matcher(r.body());
        assertThat(runtimeUrl.find() && token.find()).as("deploy script: " + r.body()).isTrue();
        return new String[] {runtimeUrl.group(1), token.group(1)};
    }

    JsonNode job(String id) throws Exception {
        return adminJson("GET", "/api/v1/jobs/" + id, null, 200);
    }

    /** Polls the job until it reaches one of {@code states}; fails with the job and the agent logs otherwise. */
    JsonNode awaitJob(String id, Set<String> states, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode j = job(id);
        while (!states.contains(j.path("state").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            j = job(id);
        }
        assertThat(j.path("state").asText()).as("job %s: %s\nagents:\n%s", id, j, agentLogs()).isIn(states);
        return j;
    }

    List<JsonNode> jobsOfMachine() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        adminJson("GET", "/api/v1/machines/m1/jobs", null, 200).forEach(out::add);
        return out;
    }

    List<String> phases() {
        return runtime.deploy().events().list("m1").stream().map(e -> e.phase()).toList();
    }

    MachinePlan.Action plan() {
        return runtime.machines().get(MacAddress.parse(MAC)).orElseThrow().action();
    }

    double counter(String name, String... tags) {
        var c = runtime.meters().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    AgentProcess startAgent(String name, String runtimeUrl, String token, long diskBytes) throws Exception {
        AgentProcess a = AgentProcess.start(dir.resolve(name), runtimeUrl, token, MAC, diskBytes);
        agents.add(a);
        return a;
    }

    String agentLogs() {
        StringBuilder b = new StringBuilder();
        for (AgentProcess a : agents) {
            b.append("--- ").append(a.root).append('\n').append(a.output()).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (AgentProcess a : agents) {
            a.close();
        }
        runtime.close();
        log.close();
    }
}
