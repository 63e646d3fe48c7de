package io.pxereimage.jenkins.core;

import static io.pxereimage.jenkins.core.Lab.await;
import static io.pxereimage.jenkins.core.Lab.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real runtime ({@link Lab}) over loopback HTTP. */
class RuntimeClientTest {
    @TempDir
    Path dir;
    Lab lab;
    RuntimeClient client;

    @BeforeEach
    void start() throws Exception {
        lab = Lab.start(dir, 2, null);
        client = lab.client;
    }

    @AfterEach
    void stop() {
        lab.close();
    }

    private RuntimeClient.LeaseRequest ask(String labels, String hostname) {
        return new RuntimeClient.LeaseRequest(labels, "demo", hostname, Map.of("agentSecret", "s3cr3t-value"),
                "ci", true, null, 60);
    }

    @Test
    void leaseLifecycle() throws Exception {
        RuntimeClient.Lease l = client.create(ask("metal && x86", "node-1"));
        assertThat(l.id()).startsWith("l-");
        assertThat(l.state()).isEqualTo("provisioning");
        assertThat(l.hostname()).isEqualTo("node-1");
        assertThat(l.dataKeys()).containsExactly("agentSecret");
        assertThat(l.machine()).isIn("m1", "m2");

        await("ready", Duration.ofSeconds(20), check(() -> client.lease(l.id()).orElseThrow().ready()));
        RuntimeClient.Lease ready = client.lease(l.id()).orElseThrow();
        assertThat(ready.readyAt()).isNotNull();
        assertThat(ready.machineState()).isEqualTo("ready");
        assertThat(client.leases("ci", null)).extracting(RuntimeClient.Lease::id).containsExactly(l.id());
        assertThat(client.leases("someone-else", null)).isEmpty();
        assertThat(client.activeLeases("ci")).extracting(RuntimeClient.Lease::id).containsExactly(l.id());
        assertThat(client.machines()).extracting(RuntimeClient.Machine::name).containsExactly("m1", "m2");
        assertThat(client.machines()).filteredOn(m -> l.id().equals(m.lease())).singleElement()
                .satisfies(m -> assertThat(m.state()).isEqualTo("ready"));

        RuntimeClient.Lease renewed = client.heartbeat(l.id());
        assertThat(renewed.expires()).isAfterOrEqualTo(ready.expires());

        RuntimeClient.Lease released = client.release(l.id());
        assertThat(released.state()).isEqualTo("released");
        assertThat(released.ended()).isTrue();
        assertThat(client.release(l.id()).state()).as("releasing twice is harmless").isEqualTo("released");
        assertThat(client.heartbeat(l.id()).ended()).as("an ended lease is answered, not thrown").isTrue();
        assertThat(client.activeLeases("ci")).isEmpty();

        List<RuntimeClient.PoolEvent> events = client.events(0, l.id(), 1000);
        assertThat(events).extracting(RuntimeClient.PoolEvent::to).contains("leased", "powering", "ready");
        assertThat(events).extracting(RuntimeClient.PoolEvent::seq).isSorted();
    }

    @Test
    void refusalsCarryTheRuntimesReason() throws Exception {
        assertThatThrownBy(() -> client.create(new RuntimeClient.LeaseRequest("metal", "nope", null, null, "ci",
                true, null, null))).isInstanceOf(RuntimeApiException.class)
                .hasMessage("POST /api/v1/leases: 400 image: no image nope in the catalog")
                .satisfies(e -> assertThat(((RuntimeApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> client.create(ask("metal &&", null))).hasMessageStartingWith(
                "POST /api/v1/leases: 400 labels:");
        assertThat(client.lease("l-000000000000")).isEmpty();
        assertThatThrownBy(() -> client.heartbeat("l-000000000000")).hasMessageContaining("404");
        assertThatThrownBy(() -> client.leases(null, "sleeping")).hasMessageContaining("400");

        RuntimeClient.Lease failed = client.create(ask("gpu", null));
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.message()).contains("no machine of the pool matches labels 'gpu'");
    }

    @Test
    void theTokenIsNeverInMessagesOrLogs() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> messages = new ArrayList<>();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            // Calls that succeed, fail, are refused for the token, and cannot connect at all; all logged at debug.
            RuntimeClient.Lease l = client.create(ask("metal", "node-2"));
            client.heartbeat(l.id());
            client.release(l.id());
            messages.add(client.toString());
            RuntimeClient wrong = new RuntimeClient(lab.runtime.url(), "wrong-" + lab.runtime.token());
            messages.add(assertThrows(() -> wrong.machines()));
            messages.add(assertThrows(() -> wrong.follow(l.id(), 0).retries(0, Duration.ZERO).run(e -> true)));
            messages.add(assertThrows(() -> client.create(ask("metal", "not a host name"))));
            int closedPort;
            try (ServerSocket s = new ServerSocket(0)) {
                closedPort = s.getLocalPort();
            }
            RuntimeClient nowhere = new RuntimeClient(URI.create("http://127.0.0.1:" + closedPort),
                    lab.runtime.token(), Duration.ofSeconds(2));
            messages.add(assertThrows(() -> nowhere.machines()));
            messages.add(nowhere.toString());
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(messages.get(1)).isEqualTo("GET /api/v1/pool: 401 invalid bearer token");
        assertThat(messages.get(4)).contains("cannot connect to the runtime at http://127.0.0.1:");
        assertThat(log).as("debug logging was on").contains("POST /api/v1/leases -> 201");
        String token = lab.runtime.token();
        assertThat(log).doesNotContain(token).doesNotContain("s3cr3t-value");
        assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain(token));
    }

    private static String assertThrows(Call call) {
        try {
            call.run();
        } catch (RuntimeApiException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError("expected a RuntimeApiException", e);
        }
        throw new AssertionError("expected a RuntimeApiException");
    }

    interface Call {
        void run() throws Exception;
    }

    @Test
    void followingALeaseResumesWithLastEventIdAfterTheConnectionDrops() throws Exception {
        lab.machinesBoot = false;
        RuntimeClient.Lease l = client.create(ask("metal", "node-3"));
        List<RuntimeClient.PoolEvent> seen = new CopyOnWriteArrayList<>();
        RuntimeClient.EventFollow follow = client.follow(l.id(), 0).retries(3, Duration.ofMillis(100));
        CompletableFuture<Boolean> run = CompletableFuture.supplyAsync(() -> {
            try {
                return follow.run(e -> {
                    seen.add(e);
                    return "ready".equals(e.to());
                });
            } catch (RuntimeApiException e) {
                throw new IllegalStateException(e);
            }
        });
        await("first events", Duration.ofSeconds(10), () -> seen.size() >= 2);
        int before = seen.size();
        follow.dropConnection(); // as a proxy or network failure would
        lab.machinesBoot = true; // more events happen while it reconnects
        assertThat(run.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.size()).isGreaterThan(before);

        // Nothing lost, nothing twice: exactly the lease's stored events up to ready, in order.
        List<Long> stored = client.events(0, l.id(), 1000).stream().map(RuntimeClient.PoolEvent::seq)
                .filter(s -> s <= follow.lastSeq()).toList();
        assertThat(seen).extracting(RuntimeClient.PoolEvent::seq).containsExactlyElementsOf(stored);
        assertThat(seen).allSatisfy(e -> assertThat(e.lease()).isEqualTo(l.id()));

        // A stopped follow returns false; a refused one throws with the reason.
        RuntimeClient.EventFollow idle = client.follow(l.id(), follow.lastSeq());
        CompletableFuture<Boolean> idleRun = CompletableFuture.supplyAsync(() -> {
            try {
                return idle.run(e -> false);
            } catch (RuntimeApiException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        idle.close();
        assertThat(idleRun.get(10, TimeUnit.SECONDS)).isFalse();
    }
}
