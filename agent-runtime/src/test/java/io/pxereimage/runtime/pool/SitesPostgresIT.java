package io.pxereimage.runtime.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.PxeRuntime;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.power.BmcSpec;
import io.pxereimage.runtime.store.Database;
import io.pxereimage.runtime.testing.PostgresServer;

/**
 * Two sites sharing one real PostgreSQL inventory (issue 7, part 3), each a whole runtime's pool side: its own
 * data directory, deploy services, {@link PoolController} over its own {@link PoolStore} connection, and HTTP API.
 * Site A owns machines labelled {@code site-a}, site B those labelled {@code site-b}. Leases are asked over REST at
 * the other site and served by the owner, whose controller drives the BMC and the deploy job; then site A stops
 * (its runtime closed, no goodbye: what a crash looks like to the others) and B marks its machines unreachable
 * within the timeout, refuses or holds leases only A could serve with the reason, and clears the mark when A is back.
 * A lease granted to A in the moment between its stop and B noticing is given back and served by B. Heartbeat 0.5 s,
 * timeout 2 s here (defaults 5 s / 30 s).
 */
class SitesPostgresIT {
    static final String TOKEN = "sites-test-token-0123456789abcdef";
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static PostgresServer pg;

    @TempDir
    Path dir;
    String url;
    Site a;
    Site b;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void startSites() throws Exception {
        if (pg == null) {
            pg = PostgresServer.start(); // skips without PostgreSQL, fails under CI=true
        }
        url = pg.createDatabase();
        a = new Site("A", 0xa0, "site-a");
        b = new Site("B", 0xb0, "site-b");
        a.start();
        b.start();
    }

    @AfterEach
    void stopSites() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aLeaseIsServedByTheSiteThatOwnsAMatchingMachineWhicheverSiteTookTheRequest() throws Exception {
        // Asked at B for A's labels: granted A's machine, provisioned by A's controller, visible from both.
        JsonNode atB = post(b, "{\"labels\": \"site-a\", \"client\": \"ci\"}");
        assertThat(atB.get("state").asText()).isEqualTo("provisioning");
        assertThat(atB.get("site").asText()).isEqualTo("A");
        assertThat(atB.get("origin").asText()).isEqualTo("B");
        String machineA = atB.get("machine").asText();
        assertThat(machineA).startsWith("A-");
        deployToReady(a, machineA);
        JsonNode seenAtB = get(b, "/leases/" + atB.get("id").asText());
        assertThat(seenAtB.get("state").asText()).isEqualTo("ready");
        assertThat(seenAtB.get("machineState").asText()).isEqualTo("ready");
        assertThat(b.bmcs.keySet()).doesNotContain(machineA); // B has no way to power A's machine at all

        // And the other way round.
        JsonNode atA = post(a, "{\"labels\": \"site-b\", \"client\": \"ci\"}");
        assertThat(atA.get("site").asText()).isEqualTo("B");
        assertThat(atA.get("origin").asText()).isEqualTo("A");
        String machineB = atA.get("machine").asText();
        assertThat(machineB).startsWith("B-");
        deployToReady(b, machineB);
        assertThat(get(a, "/leases/" + atA.get("id").asText()).get("state").asText()).isEqualTo("ready");
        assertThat(a.bmcs.get(machineA).calls).contains("bootPxeOnce");
        assertThat(b.bmcs.get(machineB).calls).contains("bootPxeOnce");

        // Both runtimes list the same sites, live.
        JsonNode sites = get(b, "/sites");
        assertThat(sites).hasSize(2);
        sites.forEach(s -> assertThat(s.get("unreachable").asBoolean()).isFalse());
        assertThat(sites.get(0).get("name").asText()).isEqualTo("A");
        assertThat(sites.get(0).get("machines").asInt()).isEqualTo(2);
    }

    @Test
    void aStoppedSiteIsMarkedUnreachableWithinItsTimeoutAndComesBackWithItsMachinesStates() throws Exception {
        // A holds a lease when it stops: the lease and the machine's state survive the outage.
        JsonNode held = post(b, "{\"labels\": \"site-a\", \"client\": \"ci\"}");
        String heldMachine = held.get("machine").asText();
        deployToReady(a, heldMachine);
        // B's machines are busy too, so that the next lease for any machine goes to A's other one.
        List<String> atB = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            atB.add(post(a, "{\"labels\": \"site-b\", \"client\": \"ci\"}").get("id").asText());
        }

        long stopped = System.nanoTime();
        a.close();
        a = null;
        // Asked before B notices: granted A's free machine, which nobody will drive...
        JsonNode early = post(b, "{\"labels\": \"metal\", \"client\": \"ci\"}");
        assertThat(early.get("site").asText()).as(early.toString()).isEqualTo("A");
        awaitUpTo(Duration.ofSeconds(15), () -> machine(b, heldMachine).get("unreachable").asBoolean());
        Duration marked = Duration.ofNanos(System.nanoTime() - stopped);
        System.out.println("SITES: site A stopped -> its machines unreachable at B after " + marked.toMillis()
                + " ms (timeout " + TIMEOUT.toMillis() + " ms, heartbeat " + HEARTBEAT.toMillis() + " ms)");
        // Not before its timeout (its last heartbeat came at most one period before the stop), not much after.
        assertThat(marked).isGreaterThanOrEqualTo(TIMEOUT.minus(HEARTBEAT));
        assertThat(marked).isLessThan(TIMEOUT.plus(HEARTBEAT).plusSeconds(3)); // + slack for a loaded CI machine

        JsonNode m = machine(b, heldMachine);
        assertThat(m.get("state").asText()).isEqualTo("ready"); // its real state, kept
        assertThat(m.get("site").asText()).isEqualTo("A");
        for (JsonNode x : get(b, "/pool")) {
            assertThat(x.get("unreachable").asBoolean()).isEqualTo(x.get("site").asText().equals("A"));
        }
        assertThat(get(b, "/leases/" + held.get("id").asText()).get("state").asText()).isEqualTo("ready");
        JsonNode events = get(b, "/pool/events?machine=" + heldMachine);
        assertThat(events.get(events.size() - 1).get("cause").asText()).isEqualTo("site");
        assertThat(events.get(events.size() - 1).get("message").asText()).contains("site A unreachable")
                .contains("noticed by B").contains("keeps its state ready");
        awaitUpTo(Duration.ofSeconds(5), () -> b.meters.get("pxe.pool.machines.unreachable").gauge().value() == 2);
        assertThat(b.meters.get("pxe.pool.sites").tag("state", "unreachable").gauge().value()).isEqualTo(1);
        assertThat(get(b, "/sites").get(0).get("unreachable").asBoolean()).isTrue();

        // Only A could serve site-a: fails at once when the client will not wait, waits with the reason otherwise.
        JsonNode impatient = post(b, "{\"labels\": \"site-a\", \"client\": \"ci\", \"wait\": false}");
        assertThat(impatient.get("state").asText()).isEqualTo("failed");
        assertThat(impatient.get("message").asText())
                .startsWith("every machine matching labels 'site-a' is at an unreachable site: A (unreachable since");
        JsonNode waiting = post(b, "{\"labels\": \"site-a\", \"client\": \"ci\"}");
        assertThat(waiting.get("state").asText()).isEqualTo("pending");
        assertThat(waiting.get("message").asText()).startsWith("waiting: every machine matching labels 'site-a'");
        // ...so marking A gave that lease back: it waits for a machine and gets B's first free one.
        String earlyId = early.get("id").asText();
        JsonNode givenBack = get(b, "/leases/" + earlyId);
        assertThat(givenBack.get("state").asText()).isEqualTo("pending");
        assertThat(givenBack.get("message").asText()).startsWith("given back by site A, unreachable before it started");
        assertThat(machine(b, early.get("machine").asText()).get("state").asText()).isEqualTo("available");
        assertThat(delete(b, "/leases/" + atB.get(0)).statusCode()).isEqualTo(202);
        awaitUpTo(Duration.ofSeconds(10), () -> get(b, "/leases/" + earlyId).get("state").asText()
                .equals("provisioning"));
        assertThat(get(b, "/leases/" + earlyId).get("site").asText()).isEqualTo("B");

        // A comes back: the mark goes with its first heartbeat, the waiting lease is served by A's machine.
        long restarted = System.nanoTime();
        a = new Site("A", 0xa0, "site-a");
        a.start();
        awaitUpTo(Duration.ofSeconds(10), () -> !machine(b, heldMachine).get("unreachable").asBoolean());
        System.out.println("SITES: site A restarted -> reachable at B after "
                + Duration.ofNanos(System.nanoTime() - restarted).toMillis() + " ms");
        assertThat(machine(b, heldMachine).get("state").asText()).isEqualTo("ready");
        awaitUpTo(Duration.ofSeconds(10), () -> get(b, "/leases/" + waiting.get("id").asText()).get("state")
                .asText().equals("provisioning"));
        JsonNode served = get(b, "/leases/" + waiting.get("id").asText());
        assertThat(served.get("site").asText()).isEqualTo("A");
        assertThat(served.get("message").isNull()).isTrue();
        String servedBy = served.get("machine").asText();
        awaitUpTo(Duration.ofSeconds(10), () -> a.bmcs.get(servedBy).calls.contains("bootPxeOnce"));
        // the gauges follow at B's next heartbeat
        awaitUpTo(Duration.ofSeconds(5), () -> b.meters.get("pxe.pool.machines.unreachable").gauge().value() == 0);
        JsonNode after = get(b, "/pool/events?machine=" + heldMachine);
        assertThat(after.findValuesAsText("message")).anySatisfy(msg ->
                assertThat(msg).startsWith("site A is back").endsWith("reachable again, ready"));
    }

    @Test
    void serveFromConfigFilesJoinsTheSitesAndRefusesAMachineThatAnotherSiteOwns() throws Exception {
        Path password = dir.resolve("db-password");
        Files.writeString(password, pg.password() + "\n");
        try (PxeRuntime lyon = serve("lyon", "lyon-m1", "52:54:00:5e:c0:01", password)) {
            lyon.start();
            JsonNode sites = getJson(lyon, "/sites");
            assertThat(sites.findValuesAsText("name")).containsExactly("A", "B", "lyon");
            assertThat(sites.get(2).get("unreachableAfterSeconds").asInt()).isEqualTo(6);
            // A-m1 is site A's (from the runtimes above): the same machine at a second site is refused at start
            PxeRuntime paris = serve("paris", "A-m1", "52:54:00:5e:c1:01", password);
            try {
                assertThatThrownBy(paris::start)
                        .hasMessageContaining("site paris: machines [A-m1 (site A)] belong to another site")
                        .hasMessageNotContaining(pg.password());
            } finally {
                paris.close();
            }
            assertThat(getJson(lyon, "/pool/A-m1").get("site").asText()).isEqualTo("A");
        }
    }

    private PxeRuntime serve(String site, String machine, String mac, Path password)
            throws Exception {
        Path d = dir.resolve("serve-" + site);
        Files.createDirectories(d.resolve("files"));
        String yaml = """
                address: 127.0.0.1
                dataDir: %s
                dhcp: {mode: off}
                tftp: {port: 0, root: %s}
                http: {port: 0, bind: 127.0.0.1, filesRoot: %s, apiToken: %s}
                deploy: {kernel: deploy/vmlinuz}
                site: {name: %s, heartbeatSeconds: 2, unreachableAfterSeconds: 6}
                store: {url: "%s", user: %s, passwordFile: %s}
                machines:
                  - {mac: "%s", name: %s, action: local, labels: [metal], bmc: {driver: manual}}
                """.formatted(d.resolve("data"), d, d.resolve("files"), TOKEN, site, url, pg.user(), password,
                mac, machine);
        return PxeRuntime.fromConfig(
                ConfigLoader.parse(site + ".yaml", yaml), site + ".yaml");
    }

    private JsonNode getJson(PxeRuntime r, String path) throws Exception {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.httpPort()
                + "/api/v1" + path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        return Json.MAPPER.readTree(resp.body());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** What the owning site's deploy agent does: takes the job, writes the image; readyWhen: deployed. */
    private void deployToReady(Site s, String machine) throws Exception {
        MacAddress mac = s.macs.get(machine);
        AtomicReference<JobRecord> got = new AtomicReference<>();
        awaitUpTo(Duration.ofSeconds(10), () -> {
            s.deploy.jobs().poll(mac, Duration.ofMillis(1), j -> {
                got.compareAndSet(null, j);
                return j != null;
            });
            return got.get() != null && got.get().job() instanceof Job.DeployImage;
        });
        awaitUpTo(Duration.ofSeconds(10), () -> machine(s, machine).get("state").asText().equals("deploying"));
        s.deploy.jobs().finish(mac, got.get().id(), JobResult.succeeded("written"));
        awaitUpTo(Duration.ofSeconds(10), () -> machine(s, machine).get("state").asText().equals("ready"));
    }

    private JsonNode post(Site s, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.base + "/leases"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body());
    }

    private JsonNode get(Site s, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.base + path))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> delete(Site s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(s.base + path)).header("Authorization", "Bearer " + TOKEN)
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode machine(Site s, String name) {
        return get(s, "/pool/" + name);
    }

    static void awaitUpTo(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + limit.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    /** One site's runtime, pool side: two machines with a fake BMC each, its own data directory and API. */
    final class Site implements AutoCloseable {
        final String name;
        final Map<String, MacAddress> macs = new HashMap<>();
        final Map<String, PoolControllerTest.FakeBmc> bmcs = new HashMap<>();
        final List<PoolMachine> machines = new ArrayList<>();
        final List<MachinePlan> plans = new ArrayList<>();
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Database db;
        DeployServices deploy;
        PoolController pool;
        HttpServer server;
        String base;

        Site(String name, int macByte, String label) {
            this.name = name;
            BmcSpec manual = new BmcSpec("manual", null, null, null, null, null, null);
            for (int i = 1; i <= 2; i++) {
                String machine = name + "-m" + i;
                MacAddress mac = MacAddress.parse(String.format("52:54:00:5e:%02x:%02x", macByte, i));
                macs.put(machine, mac);
                bmcs.put(machine, new PoolControllerTest.FakeBmc());
                plans.add(new MachinePlan(mac, machine, MachinePlan.Action.LOCAL, null));
                machines.add(new PoolMachine(machine, List.of(mac), Set.of("metal", label), manual, null));
            }
        }

        void start() throws Exception {
            Path data = dir.resolve(name);
            db = Database.open(url, pg.user(), pg.password());
            MachineRegistry registry = new MachineRegistry(plans, null);
            deploy = new DeployServices(data, Clock.systemUTC(), registry, new BootSpec("k", List.of(), ""),
                    new AgentSettings(10, List.of()), meters);
            deploy.images().put(new ImageEntry("demo", "/x", "ef".repeat(32), 1, "none", 1, List.of(),
                    Clock.systemUTC().instant()));
            PoolSettings settings = new PoolSettings(name, "demo", PoolSettings.Cleanup.OFF, null, false, 3, 0, 0, 300,
                    3600, new EnumMap<>(PoolSettings.DEFAULT_TIMEOUTS), 1, 60);
            pool = new PoolController(new PoolStore(db), settings, machines, m -> bmcs.get(m.name()), deploy,
                    Clock.systemUTC(), Duration.ofMillis(100)).withMetrics(meters).withSiteLiveness(HEARTBEAT, TIMEOUT);
            pool.start();
            server = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0)
                    .withFilesRoot(data).withLoaderDir(data).withApiToken(TOKEN), registry, meters, deploy, pool);
            base = "http://127.0.0.1:" + server.start() + "/api/v1";
        }

        @Override
        public void close() {
            if (server != null) {
                server.close();
            }
            if (pool != null) {
                pool.close();
            }
            if (deploy != null) {
                deploy.close();
            }
            if (db != null) {
                db.close();
            }
        }
    }
}
