package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.power.BmcSpec;
import io.pxereimage.runtime.store.Database;

/**
 * The acceptance point "50 concurrent lease requests against 5 machines" through the real stack: 50 clients post
 * {@code /api/v1/leases} at once to the Netty server, whose controller grants from the embedded store. Exactly five
 * are granted, each a different machine; the 25 that asked to wait are pending, the 20 others that asked not to
 * wait have failed. A released machine goes to the oldest waiting lease. (The same race between two runtimes on one
 * PostgreSQL is in the store's PostgreSQL test.)
 */
class LeaseConcurrencyHttpTest {
    static final String TOKEN = "concurrency-test-token-0123456789";

    @TempDir
    Path dir;
    Database db;
    DeployServices deploy;
    PoolController pool;
    HttpServer server;

    @AfterEach
    void stop() {
        server.close();
        pool.close();
        deploy.close();
        db.close();
    }

    @Test
    void fiftyConcurrentRequestsForFiveMachines() throws Exception {
        List<MachinePlan> plans = new ArrayList<>();
        List<PoolMachine> machines = new ArrayList<>();
        BmcSpec manual = new BmcSpec("manual", null, null, null, null, null, null);
        for (int i = 1; i <= 5; i++) {
            MacAddress mac = MacAddress.parse(String.format("52:54:00:cc:00:%02x", i));
            plans.add(new MachinePlan(mac, "m" + i, MachinePlan.Action.LOCAL, null));
            machines.add(new PoolMachine("m" + i, List.of(mac), Set.of("metal"), manual, null));
        }
        db = Database.embedded(dir.resolve("data"));
        MachineRegistry registry = new MachineRegistry(plans, null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        deploy = new DeployServices(dir.resolve("data"), Clock.systemUTC(), registry, new BootSpec("k", List.of(), ""),
                new AgentSettings(10, List.of()), meters);
        deploy.images().put(new ImageEntry("demo", "/x", "ef".repeat(32), 1, "none", 1, List.of(),
                Clock.systemUTC().instant()));
        PoolSettings settings = new PoolSettings("r1", "demo", PoolSettings.Cleanup.OFF, null, true, 3, 0, 0, 300,
                3600, new EnumMap<>(PoolSettings.DEFAULT_TIMEOUTS), 1, 60);
        pool = new PoolController(new PoolStore(db), settings, machines,
                m -> new PoolControllerTest.FakeBmc(), deploy, Clock.systemUTC(), Duration.ofMillis(100));
        pool.start();
        server = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0)
                .withFilesRoot(dir).withLoaderDir(dir).withApiToken(TOKEN), registry, meters, deploy, pool);
        String base = "http://127.0.0.1:" + server.start() + "/api/v1";

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService clients = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                boolean wait = i % 2 == 0;
                String body = "{\"labels\": \"metal\", \"client\": \"c" + i + "\", \"wait\": " + wait + "}";
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await(); // all 50 start together
                        return http.send(HttpRequest.newBuilder(URI.create(base + "/leases"))
                                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, clients));
            }
            go.countDown();
            Map<String, List<JsonNode>> byState = new HashMap<>();
            for (CompletableFuture<HttpResponse<String>> a : answers) {
                HttpResponse<String> r = a.join();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                JsonNode l = Json.MAPPER.readTree(r.body());
                byState.computeIfAbsent(l.get("state").asText(), k -> new ArrayList<>()).add(l);
            }
            List<String> granted = byState.get("provisioning").stream().map(l -> l.get("machine").asText()).toList();
            assertThat(granted).hasSize(5).doesNotHaveDuplicates();
            long grantedWaiters = byState.get("provisioning").stream().filter(l -> l.get("wait").asBoolean()).count();
            assertThat(byState.get("pending")).hasSize((int) (25 - grantedWaiters))
                    .allSatisfy(l -> assertThat(l.get("wait").asBoolean()).isTrue());
            assertThat(byState.get("failed")).hasSize((int) (25 - (5 - grantedWaiters)))
                    .allSatisfy(l -> assertThat(l.get("message").asText()).contains("asked not to wait"));

            // The store agrees: five machines, five distinct leases.
            JsonNode poolNow = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/pool"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body());
            List<String> holders = new ArrayList<>();
            poolNow.forEach(m -> holders.add(m.get("lease").asText()));
            assertThat(holders).hasSize(5).doesNotHaveDuplicates().allMatch(h -> h.startsWith("l-"));

            // A release hands the machine, once cleaned (power off), to the oldest waiting lease.
            JsonNode released = byState.get("provisioning").get(0);
            String oldestWaiting = pool.leases(null, LeaseState.PENDING).stream()
                    .min(java.util.Comparator.comparing(Lease::created).thenComparing(Lease::id)).orElseThrow().id();
            http.send(HttpRequest.newBuilder(URI.create(base + "/leases/" + released.get("id").asText()))
                    .header("Authorization", "Bearer " + TOKEN).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            PoolControllerTest.await(() -> pool.lease(oldestWaiting).orElseThrow().machine() != null);
            assertThat(pool.lease(oldestWaiting).orElseThrow().machine()).isEqualTo(released.get("machine").asText());
        } finally {
            clients.shutdownNow();
        }
    }
}
