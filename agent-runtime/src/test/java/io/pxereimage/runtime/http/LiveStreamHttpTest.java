package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.api.ApiToken;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.testing.FakePool;

/**
 * {@code GET /api/v1/live} read by the JDK's HTTP client as a browser's fetch() would: named events for pool
 * events, jobs (progress throttled), device events and boot activity; with and without a pool.
 */
class LiveStreamHttpTest extends HttpServerFixture {
    static final String ADMIN = "admin-5b1e0c2d9a7f4e38";
    static final String BOB = "bob-9a7f4e385b1e0c2d44";
    static final MacAddress M1 = MacAddress.parse("52:54:00:aa:00:01");

    final FakePool pool = new FakePool().machine("m1", "metal");
    final List<Stream<String>> streams = new ArrayList<>();

    @Override
    @AfterEach
    void stop() {
        streams.forEach(Stream::close);
        super.stop();
    }

    void start(FakePool withPool) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        registry.put(MachinePlan.boot(M1, "m1", new BootSpec("vmlinuz", List.of(), "")));
        deploy = new DeployServices(tmp.resolve("data"), Clock.systemUTC(), registry, null,
                new AgentSettings(25, List.of()), meters);
        startServer(new HttpServer(loopback(HttpConfig.defaults().withApiToken(ADMIN)
                .withTokens(List.of(new ApiToken("bob", BOB, ApiToken.Role.VIEWER)))), registry, meters, deploy,
                withPool));
        server.sseKeepAlive(Duration.ofMillis(300));
    }

    /** The stream's lines, read by the HTTP client on its own thread. */
    BlockingQueue<String> live(String token) throws Exception {
        HttpResponse<Stream<String>> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/live"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        streams.add(r.body());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try {
                r.body().forEach(lines::add);
            } catch (RuntimeException closed) {
                // the test closed the stream
            }
        }, "live-reader");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    /** Every frame {@link #next} read, as "name data". */
    final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Waits for an {@code event: name} frame whose data matches; returns its data. */
    JsonNode next(BlockingQueue<String> lines, String name, Predicate<JsonNode> matches) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String event = null;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                seen.add(event + " " + line.substring(6));
            }
            if (line.startsWith("data: ") && name.equals(event)) {
                JsonNode data = Json.MAPPER.readTree(line.substring(6));
                if (matches.test(data)) {
                    return data;
                }
            }
        }
        throw new AssertionError("no " + name + " event came");
    }

    @Test
    void namedEventsFromEverySource() throws Exception {
        start(pool);
        assertThat(get("/api/v1/live").statusCode()).isEqualTo(401);
        BlockingQueue<String> lines = live(BOB); // a viewer may watch
        PoolHttpTest.await(() -> pool.openSubscriptions() == 1, "the live stream subscribed to the pool");

        pool.emit("m1", "l-1", "available", "leased", "lease", "granted");
        JsonNode p = next(lines, "pool", d -> true);
        assertThat(p.path("machine").asText()).isEqualTo("m1");
        assertThat(p.path("to").asText()).isEqualTo("leased");
        assertThat(p.path("seq").asLong()).isEqualTo(1);

        deploy.events().add("m1", "netboot", "deploy environment served");
        JsonNode e = next(lines, "event", d -> d.path("type").asText().equals("netboot"));
        assertThat(e.path("machine").asText()).isEqualTo("m1");
        assertThat(e.path("message").asText()).isEqualTo("deploy environment served");

        // A job: queued, running, progress at most twice a second, its log lines, succeeded.
        JobRecord job = deploy.jobs().enqueue(M1, "m1", Job.Reboot::new);
        assertThat(next(lines, "job", d -> d.path("id").asText().equals(job.id())).path("state").asText())
                .isEqualTo("queued");
        deploy.jobs().poll(M1, Duration.ofSeconds(1), r -> true);
        next(lines, "job", d -> d.path("state").asText().equals("running"));
        long began = System.nanoTime();
        for (int i = 1; i <= 40; i++) {
            deploy.jobs().addEvents(M1, job.id(), List.of(new AgentEvent(Instant.now(), "progress", i * 100L,
                    4000L, 1000L, 3L, null)));
        }
        deploy.jobs().addEvents(M1, job.id(), List.of(AgentEvent.log(Instant.now(), "rebooting now")));
        long elapsedMillis = (System.nanoTime() - began) / 1_000_000;
        assertThat(next(lines, "event", d -> d.path("job").asText().equals(job.id())).path("message").asText())
                .isEqualTo("rebooting now");
        deploy.jobs().finish(M1, job.id(), JobResult.succeeded("done"));
        JsonNode done = next(lines, "job", d -> d.path("state").asText().equals("succeeded"));
        assertThat(done.path("progress").path("bytes").asLong()).isEqualTo(4000);
        assertThat(done.has("events") && !done.path("events").isNull()).isFalse();

        // A queued job that is cancelled shows as failed at once.
        JobRecord cancelled = deploy.jobs().enqueue(M1, "m1", Job.Reboot::new);
        deploy.jobs().cancelQueued(M1, "a newer reimage replaces it");
        JsonNode c = next(lines, "job", d -> d.path("id").asText().equals(cancelled.id())
                && !d.path("state").asText().equals("queued"));
        assertThat(c.path("state").asText()).isEqualTo("failed");
        assertThat(c.path("message").asText()).isEqualTo("a newer reimage replaces it");

        // Activity: the boot script served over HTTP, also in GET /activity.
        assertThat(get("/boot/52:54:00:aa:00:01.ipxe").statusCode()).isEqualTo(200);
        JsonNode a = next(lines, "activity", d -> true);
        assertThat(a.path("kind").asText()).isEqualTo("http");
        assertThat(a.path("machine").asText()).isEqualTo("m1");
        assertThat(a.path("mac").asText()).isEqualTo("52:54:00:aa:00:01");
        assertThat(a.path("summary").asText()).isEqualTo("script /boot/52:54:00:aa:00:01.ipxe -> boot");
        JsonNode list = Json.MAPPER.readTree(get("/api/v1/activity?limit=5", "Authorization", "Bearer " + BOB).body());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("summary").asText()).startsWith("script /boot/");
        assertThat(get("/api/v1/activity?limit=501", "Authorization", "Bearer " + BOB).statusCode()).isEqualTo(400);
        String keepalive = null;
        for (long end = System.nanoTime() + 3_000_000_000L; keepalive == null && System.nanoTime() < end; ) {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            keepalive = ": keepalive".equals(l) ? l : null;
        }
        assertThat(keepalive).isEqualTo(": keepalive");

        // Progress frames came at most twice a second (the first at once, then one per 500 ms at most).
        long progressFrames = seen.stream().filter(f -> f.startsWith("job ") && f.contains("\"state\":\"running\"")
                && f.contains("\"bytes\":")).count();
        assertThat(progressFrames).isBetween(1L, 1 + elapsedMillis / 500 + 1);
    }

    @Test
    void withoutAPoolTheStreamStillCarriesTheRest() throws Exception {
        start(null);
        BlockingQueue<String> lines = live(ADMIN);
        deploy.events().add("m1", "registered", "agent a-1");
        assertThat(next(lines, "event", d -> true).path("type").asText()).isEqualTo("registered");
        server.activity().record(io.pxereimage.runtime.activity.Activity.Kind.TFTP, M1, "RRQ undionly.kpxe 68 KiB");
        assertThat(next(lines, "activity", d -> true).path("summary").asText()).isEqualTo("RRQ undionly.kpxe 68 KiB");
    }
}
