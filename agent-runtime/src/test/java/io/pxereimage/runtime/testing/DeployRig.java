package io.pxereimage.runtime.testing;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.net.MacAddress;

/**
 * A runtime's HTTP side with deployment, on a loopback ephemeral port, over a data directory that survives
 * {@link #restart()} (a new registry from the "config file" plans, new services, same port).
 */
public final class DeployRig implements AutoCloseable {
    public static final String ADMIN = "admin-0123456789abcdef";
    public static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    public static final BootSpec DEPLOY_ENV = new BootSpec("deploy/vmlinuz", List.of("deploy/initrd.img"), "quiet");

    public final Path dir;
    public final Clock clock;
    public final List<String> allowedCommands;
    public final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public MachineRegistry registry;
    public DeployServices deploy;
    public HttpServer server;
    public String base;
    private int port;

    public DeployRig(Path dir, Clock clock, List<String> allowedCommands) throws Exception {
        this.dir = dir;
        this.clock = clock;
        this.allowedCommands = allowedCommands;
        Files.createDirectories(dir.resolve("files"));
        start();
    }

    /** The "config file": one machine that boots a kernel. */
    static List<MachinePlan> configPlans() {
        return List.of(MachinePlan.boot(MAC, "m1", new BootSpec("vmlinuz", List.of(), "")));
    }

    private void start() throws Exception {
        registry = new MachineRegistry(configPlans(), null);
        deploy = new DeployServices(dir.resolve("data"), clock, registry, DEPLOY_ENV,
                new AgentSettings(25, allowedCommands), meters);
        HttpConfig config = HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), port)
                .withFilesRoot(dir.resolve("files")).withLoaderDir(dir.resolve("files")).withApiToken(ADMIN);
        server = new HttpServer(config, registry, meters, deploy);
        port = server.start();
        base = "http://127.0.0.1:" + port;
    }

    public void restart() throws Exception {
        close();
        start();
    }

    public HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, "Authorization", "Bearer " + ADMIN);
    }

    public HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), BodyHandlers.ofString());
    }

    /** Adds an image of {@code bytes} through the admin API; returns its sha256. */
    public String addImage(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name + ".img");
        Files.write(file, bytes);
        HttpResponse<String> r = admin("POST", "/api/v1/images",
                "{\"name\":\"" + name + "\",\"source\":\"" + file + "\",\"blockMap\":true}");
        if (r.statusCode() != 201) {
            throw new AssertionError("image add: " + r.statusCode() + " " + r.body());
        }
        return deploy.images().get(name).orElseThrow().sha256();
    }

    public MachinePlan.Action plan() {
        return registry.get(MAC).orElseThrow().action();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (deploy != null) {
            deploy.close();
            deploy = null;
        }
    }
}
