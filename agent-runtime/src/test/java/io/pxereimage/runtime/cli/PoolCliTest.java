package io.pxereimage.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;
import io.pxereimage.runtime.pool.LeaseState;
import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.testing.FakePool;

/** {@code pxe-runtime lease ...} and {@code pool ...} against a local HTTP server over a {@link FakePool}. */
class PoolCliTest {
    static final String ADMIN = "admin-c0ffee1234567890";
    static final String SECRET = "first-boot-secret-5150";

    @TempDir
    Path tmp;
    final FakePool pool = new FakePool().machine("m1", "metal").machine("m2", "vm");
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    HttpServer server;
    String url;
    String tokenFile;

    @BeforeEach
    void start() throws Exception {
        HttpConfig config = HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), 0).withFilesRoot(tmp)
                .withLoaderDir(tmp).withApiToken(ADMIN);
        server = new HttpServer(config, new MachineRegistry(), new SimpleMeterRegistry(), null, pool);
        url = "http://127.0.0.1:" + server.start();
        Path t = tmp.resolve("token");
        Files.writeString(t, ADMIN + "\n");
        tokenFile = t.toString();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    int cli(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = url;
        all[args.length + 2] = "--token-file";
        all[args.length + 3] = tokenFile;
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    }

    CompletableFuture<Integer> cliAsync(String... args) {
        return CompletableFuture.supplyAsync(() -> cli(args));
    }

    void clear() {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }

    String onlyLease() {
        return pool.leases(null, null).get(0).id();
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] c : new String[][] {{"lease"}, {"lease", "create"}, {"lease", "list"}, {"lease", "show"},
            {"lease", "release"}, {"lease", "heartbeat"}, {"pool"}, {"pool", "list"}, {"pool", "clear"},
            {"pool", "quarantine"}, {"pool", "events"}}) {
            clear();
            String[] args = Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--help";
            assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).as(String.join(" ", c))
                    .isZero();
            assertThat(out.toString()).contains("Usage: pxe-runtime " + String.join(" ", c));
        }
        clear();
        Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "lease", "create", "--help");
        assertThat(out.toString()).contains("--labels").contains("--client").contains("--no-wait")
                .contains("--timeout").contains("--heartbeat").contains("--follow").contains("--data")
                .contains("--url").contains("--token-file").doesNotContain("--retry-millis");
    }

    @Test
    void createPrintsTheIdThenListShowHeartbeatRelease() throws Exception {
        assertThat(cli("lease", "create", "--labels", "metal", "--client", "ci", "--image", "debian",
                "--data", "password=" + SECRET, "--heartbeat", "30")).as(err.toString()).isZero();
        String id = onlyLease();
        assertThat(out.toString()).isEqualTo(id + "\n");
        assertThat(pool.lease(id).orElseThrow().firstBoot().data()).containsEntry("password", SECRET);
        assertThat(pool.lease(id).orElseThrow().heartbeatSeconds()).isEqualTo(30);

        clear();
        assertThat(cli("lease", "list")).isZero();
        assertThat(out.toString()).containsPattern("ID\\s+STATE\\s+MACHINE\\s+MSTATE\\s+CLIENT")
                .containsPattern(id + "\\s+provisioning\\s+m1\\s+leased\\s+ci\\s+2026-11-23T12:00:00Z\\s+metal");
        clear();
        assertThat(cli("lease", "list", "--client", "other")).isZero();
        assertThat(out.toString()).doesNotContain(id);
        clear();
        assertThat(cli("lease", "list", "--state", "bogus")).isEqualTo(1);
        assertThat(err.toString()).contains("400 state: must be one of");

        clear();
        assertThat(cli("lease", "show", id)).isZero();
        assertThat(out.toString()).contains("\"id\" : \"" + id + "\"").contains("\"dataKeys\" : [ \"password\" ]")
                .doesNotContain(SECRET);
        clear();
        assertThat(cli("lease", "heartbeat", id)).isZero();
        assertThat(out.toString()).isEqualTo(id + " provisioning, expires 2026-11-23T12:00:31Z\n");
        clear();
        assertThat(cli("lease", "release", id)).isZero();
        assertThat(out.toString()).isEqualTo(id + " released (machine m1 releasing)\n");
        clear();
        assertThat(cli("lease", "heartbeat", id)).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("pxe-runtime: lease " + id + " released: released by its client\n");
        clear();
        assertThat(cli("lease", "show", "l-nope")).isEqualTo(1);
        assertThat(err.toString()).contains("404 lease: no lease l-nope");
    }

    @Test
    void noFreeMachineWithNoWaitExitsOne() {
        assertThat(cli("lease", "create", "--labels", "gpu", "--client", "ci", "--no-wait")).isEqualTo(1);
        assertThat(out.toString()).isEqualTo(onlyLease() + "\n");
        assertThat(err.toString()).isEqualTo("pxe-runtime: lease " + onlyLease() + " failed: no machine free\n");
    }

    @Test
    void refusalsAreReported() throws Exception {
        pool.maxPerClient = 0;
        assertThat(cli("lease", "create", "--labels", "", "--client", "ci")).isEqualTo(1);
        assertThat(err.toString()).contains("POST /leases: 429 client: client ci already holds 0 open leases");
        clear();
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "pool", "list", "--url", url))
                .isEqualTo(1);
        assertThat(err.toString()).contains("401 missing bearer token");
    }

    @Test
    void followPrintsEventsHeartbeatsAndExitsZeroWhenReady() throws Exception {
        CompletableFuture<Integer> run = cliAsync("lease", "create", "--labels", "metal", "--client", "ci",
                "--heartbeat", "3", "--follow");
        await(() -> !pool.leases(null, null).isEmpty(), "lease created");
        String id = onlyLease();
        await(() -> pool.openSubscriptions() == 1, "CLI subscribed");
        pool.emit("m1", id, "leased", "powering", "power", "power on via ipmi");
        pool.emit("m2", "l-other", "available", "leased", "lease", null);
        pool.emit("m1", id, "powering", "netbooting", "boot", null);
        await(() -> out.toString().contains("netbooting"), "events printed");
        await(() -> pool.heartbeats.contains(id), "a heartbeat (every 1 s)");
        pool.setLease(id, LeaseState.READY, null);
        pool.setMachine("m1", MachineState.READY, null);
        pool.emit("m1", id, "booting-os", "ready", "ready", "the OS is up");
        assertThat(run.get(10, TimeUnit.SECONDS)).as(err.toString()).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines[0]).isEqualTo(id);
        assertThat(lines[1]).matches("\\d\\d:\\d\\d:\\d\\d m1 powering: power on via ipmi");
        assertThat(lines[2]).matches("\\d\\d:\\d\\d:\\d\\d m1 netbooting");
        assertThat(lines[3]).matches("\\d\\d:\\d\\d:\\d\\d m1 ready: the OS is up");
        assertThat(lines[4]).isEqualTo(id + " ready: machine m1");
        assertThat(out.toString()).doesNotContain("l-other");
        await(() -> pool.openSubscriptions() == 0, "the CLI's stream closed");
    }

    @Test
    void followExitsOneWhenTheLeaseFails() throws Exception {
        CompletableFuture<Integer> run = cliAsync("lease", "create", "--labels", "metal", "--client", "ci",
                "--follow");
        await(() -> pool.openSubscriptions() == 1, "CLI subscribed");
        String id = onlyLease();
        pool.setLease(id, LeaseState.FAILED, "m1: no DHCP request within 300 s");
        pool.emit("m1", id, "netbooting", "failed", "timeout", "no DHCP request within 300 s");
        assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(out.toString()).containsPattern("m1 failed: no DHCP request within 300 s");
        assertThat(err.toString()).isEqualTo("pxe-runtime: lease " + id + " failed: m1: no DHCP request within "
                + "300 s\n");
    }

    @Test
    void followSeesAnExpiryThroughTheHeartbeatWithoutAnyEvent() throws Exception {
        CompletableFuture<Integer> run = cliAsync("lease", "create", "--labels", "metal", "--client", "ci",
                "--heartbeat", "3", "--follow");
        await(() -> pool.openSubscriptions() == 1, "CLI subscribed");
        String id = onlyLease();
        pool.setLease(id, LeaseState.EXPIRED, "no heartbeat for 3 s");
        assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("pxe-runtime: lease " + id + " expired: no heartbeat for 3 s\n");
    }

    @Test
    void poolListClearQuarantine() {
        assertThat(cli("pool", "quarantine", "m2", "--reason", "bad DIMM")).isZero();
        assertThat(out.toString()).isEqualTo("m2 quarantined: bad DIMM\n");
        clear();
        assertThat(cli("pool", "list")).isZero();
        assertThat(out.toString()).containsPattern("NAME\\s+STATE\\s+LEASE\\s+OWNER\\s+FAIL\\s+LABELS\\s+MESSAGE")
                .containsPattern("m1\\s+available\\s+-\\s+rt1\\s+0\\s+metal")
                .containsPattern("m2\\s+quarantined\\s+-\\s+rt1\\s+0\\s+vm\\s+bad DIMM");
        clear();
        assertThat(cli("pool", "clear", "m2")).isZero();
        assertThat(out.toString()).isEqualTo("m2 cleaning\n");
        clear();
        assertThat(cli("pool", "clear", "m1")).isEqualTo(1);
        assertThat(err.toString()).contains("409 machine: m1 is available, not failed or quarantined");
        clear();
        assertThat(cli("pool", "clear", "m9")).isEqualTo(1);
        assertThat(err.toString()).contains("404 machine: no pool machine m9");
        clear();
        assertThat(cli("pool", "quarantine", "m1")).isEqualTo(2); // picocli: --reason is required
    }

    @Test
    void poolSitesListsLiveAndUnreachableSites() {
        java.time.Instant t = FakePool.T0;
        pool.sites = java.util.List.of(
                new io.pxereimage.runtime.pool.SiteStatus("lyon", t, java.time.Duration.ofSeconds(30), t, null, 12),
                new io.pxereimage.runtime.pool.SiteStatus("paris", t.minusSeconds(40), java.time.Duration.ofSeconds(30),
                        t.minusSeconds(600), t.minusSeconds(9), 4));
        assertThat(cli("pool", "sites")).isZero();
        assertThat(out.toString()).containsPattern("SITE\\s+STATE\\s+HEARTBEAT\\s+TIMEOUT\\s+MACHINES\\s+UNREACHABLE SINCE")
                .containsPattern("lyon\\s+live\\s+2026-11-23T12:00:00Z\\s+30 s\\s+12\\s+-")
                .containsPattern("paris\\s+unreachable\\s+2026-11-23T11:59:20Z\\s+30 s\\s+4\\s+2026-11-23T11:59:51Z");
    }

    @Test
    void poolEventsPrintsStoredThenFollows() throws Exception {
        pool.emit("m1", "l-1", "available", "leased", "lease", null);
        pool.emit("m2", null, "available", "quarantined", "admin", "bad DIMM");
        assertThat(cli("pool", "events")).isZero();
        assertThat(out.toString()).matches("\\d\\d:\\d\\d:\\d\\d m1 leased\n\\d\\d:\\d\\d:\\d\\d m2 quarantined: "
                + "bad DIMM\n");
        clear();
        assertThat(cli("pool", "events", "--machine", "m2")).isZero();
        assertThat(out.toString()).doesNotContain("m1").contains("m2 quarantined");

        clear();
        CompletableFuture<Integer> run = cliAsync("pool", "events", "--lease", "l-1", "--follow",
                "--retry-millis", "50");
        await(() -> pool.openSubscriptions() == 1, "CLI subscribed");
        pool.emit("m2", "l-2", "available", "leased", "lease", null);
        pool.emit("m1", "l-1", "leased", "powering", "power", "power on");
        await(() -> out.toString().contains("powering"), "a followed event");
        assertThat(out.toString()).matches("\\d\\d:\\d\\d:\\d\\d m1 leased\n\\d\\d:\\d\\d:\\d\\d m1 powering: power "
                + "on\n");
        // The stream started after the stored events (Last-Event-ID): nothing printed twice.
        assertThat(run).isNotDone();
        server.close();
        assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).contains("pxe-runtime: cannot connect to " + url);
    }
}
