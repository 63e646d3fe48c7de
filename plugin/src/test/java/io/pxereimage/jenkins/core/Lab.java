package io.pxereimage.jenkins.core;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.pool.MachineState;

/**
 * A real runtime for the tests: {@link EmbeddedRuntime} on loopback with pool machines of driver {@code manual}
 * (no BMC), the embedded H2 store in a temporary directory, cleanup {@code off}, image {@code demo} in the catalog.
 * There are no VMs: a thread plays the machines' side (what a deploy agent and the booted OS do: take the deploy
 * job, report it written, post the first-boot ready URL over HTTP), unless {@link #machinesBoot} is false. The
 * plugin code under test talks to the runtime over HTTP only, as it will in Jenkins.
 */
final class Lab implements AutoCloseable {
    final EmbeddedRuntime runtime;
    final RuntimeClient client;
    /** First-boot data each machine received with its deploy job, by machine name (what the OS would read). */
    final Map<String, Map<String, String>> firstBoot = new ConcurrentHashMap<>();
    volatile boolean machinesBoot = true;
    private final Map<MacAddress, String> macs = new ConcurrentHashMap<>();
    private final Map<MacAddress, String> readyUrls = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread machines;
    private volatile boolean stopped;

    /** {@code n} machines {@code m1..mn} labelled {@code metal x86}. */
    static Lab start(Path dir, int n, String poolYaml) throws IOException {
        Files.createDirectories(dir.resolve("files"));
        Files.createDirectories(dir.resolve("loaders"));
        StringBuilder yaml = new StringBuilder();
        yaml.append("deploy: {kernel: deploy-vmlinuz}\n");
        yaml.append("pool: {cleanup: off, defaultImage: demo").append(poolYaml == null ? "" : ", " + poolYaml)
                .append("}\n");
        yaml.append("http: {filesRoot: '").append(dir.resolve("files")).append("'}\n");
        yaml.append("tftp: {root: '").append(dir.resolve("loaders")).append("'}\n");
        yaml.append("machines:\n");
        for (int i = 1; i <= n; i++) {
            yaml.append(String.format("  - {mac: '52:54:00:dd:00:%02x', name: m%d, action: local,"
                    + " labels: [metal, x86], bmc: {driver: manual}}%n", i, i));
        }
        EmbeddedRuntime rt = EmbeddedRuntime.start(dir.resolve("home"), new EmbeddedRuntime.Settings("127.0.0.1",
                null, "127.0.0.1", 0, 0, "off", null, null, yaml.toString()));
        return new Lab(rt, n);
    }

    private Lab(EmbeddedRuntime runtime, int n) throws IOException {
        this.runtime = runtime;
        this.client = runtime.client();
        for (int i = 1; i <= n; i++) {
            macs.put(MacAddress.parse(String.format("52:54:00:dd:00:%02x", i)), "m" + i);
        }
        addImage("demo");
        machines = new Thread(this::play, "lab-machines");
        machines.setDaemon(true);
        machines.start();
    }

    void addImage(String name) throws IOException {
        runtime.runtime().deploy().images().put(new ImageEntry(name, "/lab/" + name + ".img", "ab".repeat(32),
                1 << 20, "none", 1 << 20, List.of(), Instant.now()));
    }

    private void play() {
        while (!stopped) {
            if (machinesBoot) {
                Map<String, MachineState> states = new java.util.HashMap<>();
                runtime.runtime().pool().machines().forEach(m -> states.put(m.name(), m.state()));
                macs.forEach((mac, name) -> step(mac, name, states.get(name)));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One machine's move, as far as its state allows: powered on into the deploy environment (netbooting,
     * deploying, cleaning) its agent takes and finishes jobs; booted into the image (booting-os) its OS posts the
     * ready URL.
     */
    private void step(MacAddress mac, String name, MachineState state) {
        String ready = readyUrls.get(mac);
        if (ready != null && state == MachineState.BOOTING_OS) {
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create(runtime.url() + ready))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status == 204) {
                    readyUrls.remove(mac);
                }
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
        if (state != MachineState.NETBOOTING && state != MachineState.DEPLOYING && state != MachineState.CLEANING) {
            return;
        }
        AtomicReference<JobRecord> got = new AtomicReference<>();
        runtime.runtime().deploy().jobs().poll(mac, Duration.ofMillis(1), j -> {
            if (j != null) {
                got.set(j);
            }
            return true;
        });
        JobRecord j = got.get();
        if (j == null || j.job() instanceof Job.Reboot) {
            return; // a reboot is over when the agent polls again
        }
        if (j.job() instanceof Job.DeployImage d) {
            firstBoot.put(name, d.firstBoot().data());
            readyUrls.put(mac, d.firstBoot().readyUrl());
        }
        runtime.runtime().deploy().jobs().finish(mac, j.id(), JobResult.succeeded("done"));
    }

    /** The machine's state at the runtime ({@code available}, {@code ready}, ...). */
    String machineState(String name) throws RuntimeApiException {
        return client.machines().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().state();
    }

    String leaseState(String id) throws RuntimeApiException {
        return client.lease(id).orElseThrow().state();
    }

    static void await(String what, Duration max, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not within " + max.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    /** A condition that may call the runtime. */
    interface Check {
        boolean test() throws Exception;
    }

    static BooleanSupplier check(Check c) {
        return () -> {
            try {
                return c.test();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Override
    public void close() {
        stopped = true;
        machines.interrupt();
        try {
            machines.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.close();
    }
}
