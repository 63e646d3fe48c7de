package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.testing.Prerequisites;
import io.pxereimage.runtime.testing.PrometheusText;

/**
 * Issue 4 end to end: a powered-off lab machine behind a real IPMI BMC (OpenIPMI ipmi_sim wired to qemu by
 * {@code lab/bmc.sh}) is leased through the REST API. The runtime sets the one-time boot device to PXE and powers it
 * on over IPMI (ipmitool, RMCP+), the machine netboots the deploy environment, its agent writes the demo image and
 * the first-boot data, the machine reboots into the image, whose OS prints the data and posts its ready URL: the
 * lease is {@code ready}. Released, the machine is power-cycled into the deploy environment again, its disk wiped
 * and powered off: {@code available}. The second test kills the runtime with SIGKILL while the machine is
 * {@code deploying}, restarts it and sees the same lease end {@code ready}; then its client stops heartbeating and
 * the lease expires, and the machine is cleaned.
 */
class LeaseE2EIT {
    static final String MAC = "52:54:00:45:00:01";
    static final String MACHINE = "m1";
    static final String OS_MARKER = "PXE-REIMAGE-OS: booted from disk";
    static final String READY_POSTED = "PXE-REIMAGE-OS: ready posted";
    static final List<String> LIFE = List.of("available", "leased", "powering", "netbooting", "deploying",
            "booting-os", "ready", "releasing", "cleaning", "available");
    static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.lease.timeout", 360));

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxe5-", "10.231.45").withDeployAssets();

    private final AtomicBoolean heartbeating = new AtomicBoolean();
    private Path disk;
    private Path serial;
    private Path config;
    private LabApi api;
    private String secret;
    private final List<RuntimeProcess> runtimes = new ArrayList<>();

    private RuntimeProcess setUp(String name) throws Exception {
        Prerequisites.requireCommands("ipmi_sim", "ipmitool", "setsid", "ss");
        secret = "v" + LabFixture.randomHex(8);
        LabFixture.PoolLab lab = LAB.ipmiPoolMachine(name + "-", MACHINE, MAC);
        disk = lab.disk();
        serial = lab.serial();
        config = lab.config();
        Path tokenFile = lab.tokenFile();
        api = new LabApi(LAB, "http://" + LAB.ip(1) + ":8080", tokenFile);
        return serve(name);
    }

    private RuntimeProcess serve(String name) throws Exception {
        RuntimeProcess r = LAB.serve(name, config);
        runtimes.add(r);
        return r;
    }

    @AfterEach
    void tearDown() throws Exception {
        heartbeating.set(false);
        for (RuntimeProcess r : runtimes) {
            r.stop();
        }
        Procs.run(List.of("bash", LAB.lab("bmc.sh"), "stop", MACHINE, "--prefix", LAB.prefix), LAB.env(),
                LAB.file("bmc.log"), Duration.ofSeconds(20));
    }

    private Map<String, Object> leaseRequest(String client, int heartbeatSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", "metal && x86");
        body.put("image", "demo");
        body.put("hostname", "lease-host");
        body.put("data", Map.of("leasekey", secret));
        body.put("client", client);
        body.put("heartbeatSeconds", heartbeatSeconds);
        body.put("timeoutSeconds", (int) READY_TIMEOUT.toSeconds());
        return body;
    }

    @Test
    void leasedMachineIsPoweredImagedReadyThenReleasedCleanedAndAvailable() throws Exception {
        RuntimeProcess runtime = setUp("lease");
        assertThat(bmcStatus()).contains("power=off");
        assertThat(api.machineState(MACHINE)).isEqualTo("available");

        LabApi.Answer created = api.call("POST", "/leases", leaseRequest("e2e", 600));
        assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
        String id = created.body().get("id").asText();
        assertThat(created.body().get("machine").asText()).isEqualTo(MACHINE);
        assertThat(created.body().toString()).doesNotContain(secret);

        JsonNode lease = awaitLease(id, "ready", READY_TIMEOUT);
        String console = Procs.read(serial);
        assertThat(console).contains(OS_MARKER).contains(READY_POSTED).contains(secret).contains("lease-host")
                .doesNotContain("ready?token=");
        assertThat(Procs.read(LAB.labWork().resolve("bmc-" + MACHINE + "/events"))).as("IPMI powered it on, PXE once")
                .contains("power on -boot once=n,order=c");

        assertThat(api.call("DELETE", "/leases/" + id, null).status()).isEqualTo(202);
        Procs.await(() -> api.machineState(MACHINE).equals("available"), Duration.ofSeconds(300), "machine available");
        assertThat(api.ok("GET", "/leases/" + id, null).get("state").asText()).isEqualTo("released");
        assertThat(api.path(MACHINE)).containsSubsequence(LIFE);
        assertThat(bmcStatus()).as("cleaned machines are powered off").contains("power=off");
        assertWiped();
        printPhases(id);

        String log = runtime.log();
        assertThat(log).doesNotContain(secret).doesNotContain("ready?token=").contains("pool " + MACHINE + ": booting-os -> ready");
        assertThat(lease.get("readyAt").isNull()).isFalse();

        // Prometheus: the leased boot reached "ready"; the cleanup booted the deploy environment again.
        PrometheusText m = LAB.scrape("http://" + LAB.ip(1) + ":8080");
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "ready"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phase_seconds_count", Map.of("phase", "ready"))).isEqualTo(1);
        assertThat(m.sum("pxe_boot_phases_total", Map.of("phase", "agent"))).as("deploy + cleanup").isEqualTo(2);
        assertThat(m.sum("pxe_pool_machines", Map.of("state", "available"))).isEqualTo(1);
        assertThat(m.sum("pxe_pool_transitions_total", Map.of("to", "ready"))).isEqualTo(1);
        assertThat(m.sum("pxe_pool_failures_total")).isZero();
    }

    @Test
    void runtimeKilledWhileDeployingResumesThenAnAbandonedLeaseExpiresAndIsCleaned() throws Exception {
        setUp("crash");
        String id = api.ok("POST", "/leases", leaseRequest("e2e-crash", 45)).get("id").asText();
        Thread hb = heartbeat(id, Duration.ofSeconds(5));

        Procs.await(() -> api.machineState(MACHINE).equals("deploying"), Duration.ofSeconds(240), "deploying");
        runtimes.get(0).kill();
        Instant killed = Instant.now();
        serve("crash-restarted");
        System.err.printf("lease e2e: runtime killed during deploying, back after %.1f s%n",
                Duration.between(killed, Instant.now()).toMillis() / 1000.0);

        awaitLease(id, "ready", READY_TIMEOUT);
        JsonNode all = api.ok("GET", "/leases?client=e2e-crash", null);
        assertThat(all).hasSize(1);
        assertThat(api.ok("GET", "/pool/" + MACHINE, null).get("lease").asText()).isEqualTo(id);
        List<String> life = api.path(MACHINE);
        assertThat(life).containsSubsequence("deploying", "leased", "powering", "netbooting", "deploying",
                "booting-os", "ready");
        assertThat(api.ok("GET", "/pool/events?machine=" + MACHINE, null).toString())
                .contains("the runtime restarted during the deploy");

        // The client dies: no more heartbeats. The lease expires, the machine is cleaned and back in the pool.
        heartbeating.set(false);
        hb.join();
        JsonNode expired = awaitLease(id, "expired", Duration.ofSeconds(90));
        assertThat(expired.get("message").asText()).contains("no heartbeat");
        Procs.await(() -> api.machineState(MACHINE).equals("available"), Duration.ofSeconds(300), "machine available");
        assertThat(api.path(MACHINE)).containsSubsequence("ready", "releasing", "cleaning", "available");
        assertWiped();
        printPhases(id);
    }

    private Thread heartbeat(String id, Duration every) {
        heartbeating.set(true);
        Thread t = new Thread(() -> {
            while (heartbeating.get()) {
                try {
                    api.call("POST", "/leases/" + id + "/heartbeat", null);
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the runtime is down (being restarted): try again
                }
            }
        }, "e2e-heartbeat");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private JsonNode awaitLease(String id, String state, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        JsonNode l = null;
        while (System.nanoTime() < end) {
            LabApi.Answer a = api.call("GET", "/leases/" + id, null);
            if (a.status() == 200) {
                l = a.body();
                if (l.get("state").asText().equals(state)) {
                    return l;
                }
                if (l.get("state").asText().equals("failed")) {
                    break;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("lease " + id + " not " + state + ": " + l + "\nevents: "
                + api.call("GET", "/pool/events?machine=" + MACHINE, null).body() + "\nserial tail:\n"
                + Procs.tail(serial, 30));
    }


    private String bmcStatus() throws Exception {
        Path out = LAB.file("bmc-status.log");
        Files.deleteIfExists(out);
        Procs.runOk(List.of("bash", LAB.lab("bmc.sh"), "status", MACHINE, "--prefix", LAB.prefix), LAB.env(), out,
                Duration.ofSeconds(20));
        return Procs.read(out);
    }

    /** The wipe left no partition table: no MBR boot signature, no GPT header. */
    private void assertWiped() throws Exception {
        byte[] head = new byte[1024];
        try (var in = Files.newInputStream(disk)) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        assertThat(head[510] == 0x55 && (head[511] & 0xff) == 0xaa).as("MBR signature left on the disk").isFalse();
        assertThat(new String(head, 512, 8, java.nio.charset.StandardCharsets.US_ASCII)).isNotEqualTo("EFI PART");
    }

    /** Seconds from the lease to each transition, for the log and docs/pool.md. */
    private void printPhases(String id) throws Exception {
        JsonNode events = api.ok("GET", "/pool/events?machine=" + MACHINE, null);
        Instant t0 = null;
        StringBuilder sb = new StringBuilder("lease " + id + " phases (s since granted)\n");
        for (JsonNode e : events) {
            if (e.path("to").isNull() || e.path("to").isMissingNode()) {
                continue;
            }
            Instant t = Instant.parse(e.get("time").asText());
            if (t0 == null && e.get("to").asText().equals("leased")) {
                t0 = t;
            }
            if (t0 != null) {
                sb.append(String.format(Locale.ROOT, "%7.1f  %-11s %s%n", Duration.between(t0, t).toMillis() / 1000.0,
                        e.get("to").asText(), e.path("message").asText()));
            }
        }
        System.err.print(sb);
        Files.writeString(LAB.file("phases-" + id + ".txt"), sb.toString());
    }
}
