package io.pxereimage.runtime.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.testing.Prerequisites;

/**
 * Issue 5 end to end: the plugin's own provisioning code ({@code Provisioner}, {@code RuntimeClient}), outside
 * Jenkins, gets a lab machine imaged and ready, then gives it back. The twin of {@link LeaseE2EIT}, with the
 * plugin instead of curl as the runtime's client: a powered-off VM behind an IPMI BMC ({@code lab/bmc.sh}) is the
 * pool's only machine; {@link PluginProvisioningMain} runs in the server namespace (the runtime's API is only
 * reachable there), provisions a node for label {@code metal} and waits for its lease to be ready. The machine's
 * console then shows the demo OS booted from disk with the Jenkins URL, the node name and the agent secret in its
 * first-boot data. The main releases the node as Jenkins does when it terminates it: the machine is cleaned (disk
 * wiped) and {@code available} again. Neither the runtime's log nor the main's output shows the secret.
 */
class PluginProvisioningE2EIT {
    static final String MAC = "52:54:00:73:00:01";
    static final String MACHINE = "m1";
    static final String JENKINS_URL = "http://jenkins.example:8080/";
    static final String FIRSTBOOT = "PXE-REIMAGE-FIRSTBOOT: ";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.lease.timeout", 420));
    private static final Pattern READY = Pattern.compile("ready node (\\S+) lease (\\S+) machine (\\S+)");

    @RegisterExtension
    static final LabFixture LAB = new LabFixture("pxj-", "10.231.73").withDeployAssets();

    private RuntimeProcess runtime;
    private Process main;

    @AfterEach
    void tearDown() throws Exception {
        Procs.stop(main, Duration.ofSeconds(10));
        if (runtime != null) {
            runtime.stop();
        }
        Procs.run(List.of("bash", LAB.lab("bmc.sh"), "stop", MACHINE, "--prefix", LAB.prefix), LAB.env(),
                LAB.file("bmc.log"), Duration.ofSeconds(20));
    }

    @Test
    void pluginProvisionsAMachineReadyWithAgentDataThenReleasesItCleaned() throws Exception {
        Prerequisites.requireCommands("ipmi_sim", "ipmitool", "setsid", "ss");
        String secret = "s" + LabFixture.randomHex(16);
        LabFixture.PoolLab lab = LAB.ipmiPoolMachine("", MACHINE, MAC);
        Path tokenFile = lab.tokenFile();
        Path disk = lab.disk();
        Path serial = lab.serial();
        Path config = lab.config();
        String base = "http://" + LAB.ip(1) + ":8080";
        LabApi api = new LabApi(LAB, base, tokenFile);
        runtime = LAB.serve("runtime", config);
        assertThat(api.machineState(MACHINE)).isEqualTo("available");

        // The plugin's provisioning code, in the namespace where the runtime's API is reachable.
        Path secretFile = LAB.file("agent-secret");
        Files.writeString(secretFile, secret + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Path releaseSignal = LAB.file("release-now");
        Path out = LAB.file("provision-main.log");
        List<String> cmd = new ArrayList<>(LAB.inNamespace("srv",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.log.io.pxereimage.jenkins=debug", // every line the core could log
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"), PluginProvisioningMain.class.getName(),
                base, tokenFile.toString(), JENKINS_URL, secretFile.toString(), releaseSignal.toString(),
                Long.toString(READY_TIMEOUT.toSeconds())));
        long started = System.nanoTime();
        main = LAB.track(Procs.start(cmd, Map.of(), out));

        Matcher ready = awaitReady(out, serial, READY_TIMEOUT.plusSeconds(30));
        double readySeconds = (System.nanoTime() - started) / 1e9;
        String node = ready.group(1);
        String leaseId = ready.group(2);
        assertThat(ready.group(3)).isEqualTo(MACHINE);
        assertThat(node).matches("metal-[0-9a-f]{8}");

        // While Jenkins would wait for the agent: the lease is ready, the OS has its agent's data.
        JsonNode lease = api.ok("GET", "/leases/" + leaseId, null);
        assertThat(lease.get("state").asText()).isEqualTo("ready");
        assertThat(lease.get("client").asText()).isEqualTo(PluginProvisioningMain.CLIENT);
        assertThat(lease.get("hostname").asText()).isEqualTo(node);
        assertThat(lease.toString()).doesNotContain(secret);
        assertThat(api.machineState(MACHINE)).isEqualTo("ready");
        String console = Procs.read(serial);
        assertThat(console).contains(LeaseE2EIT.OS_MARKER).contains(LeaseE2EIT.READY_POSTED)
                .doesNotContain("ready?token=");
        List<String> firstBoot = console.lines().filter(l -> l.contains(FIRSTBOOT)).toList();
        assertThat(firstBoot).as("first-boot data on the console:\n%s", String.join("\n", firstBoot))
                .anySatisfy(l -> assertThat(l).contains("\"jenkinsUrl\"").contains(JENKINS_URL))
                .anySatisfy(l -> assertThat(l).contains("\"agentName\"").contains("\"" + node + "\""))
                .anySatisfy(l -> assertThat(l).contains("\"agentSecret\"").contains(secret))
                .anySatisfy(l -> assertThat(l).contains("\"agentWorkDir\""));

        // Jenkins terminates the node: the main releases it and exits.
        Files.writeString(releaseSignal, "");
        assertThat(main.waitFor(60, TimeUnit.SECONDS)).as("main exits after the release").isTrue();
        assertThat(main.exitValue()).as("main's output:\n%s", Procs.read(out)).isZero();
        assertThat(Procs.read(out)).contains("released node " + node);

        long released = System.nanoTime();
        Procs.await(() -> api.machineState(MACHINE).equals("available"), Duration.ofSeconds(300), "machine available");
        double cleanSeconds = (System.nanoTime() - released) / 1e9;
        assertThat(api.ok("GET", "/leases/" + leaseId, null).get("state").asText()).isEqualTo("released");
        assertThat(api.path(MACHINE)).containsSubsequence(LeaseE2EIT.LIFE);
        assertWiped(disk);

        assertThat(runtime.log()).doesNotContain(secret).contains("pool " + MACHINE + ": booting-os -> ready");
        assertThat(Procs.read(out)).doesNotContain(secret);
        System.err.printf("plugin e2e: node %s ready after %.1f s, machine cleaned %.1f s after the release%n", node,
                readySeconds, cleanSeconds);
    }

    /** Waits for the main's "ready node ..." line; fails at once if it exits first. */
    private Matcher awaitReady(Path out, Path serial, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            Matcher m = READY.matcher(Procs.read(out));
            if (m.find()) {
                return m;
            }
            if (!main.isAlive()) {
                break;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the plugin's provisioning did not get a ready node (main "
                + (main.isAlive() ? "still running" : "exit " + main.exitValue()) + "):\n" + Procs.tail(out, 30)
                + "\nserial tail:\n" + Procs.tail(serial, 30));
    }



    /** The wipe left no partition table: no MBR boot signature, no GPT header. */
    private static void assertWiped(Path disk) throws Exception {
        byte[] head = new byte[1024];
        try (var in = Files.newInputStream(disk)) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        assertThat(head[510] == 0x55 && (head[511] & 0xff) == 0xaa).as("MBR signature left on the disk").isFalse();
        assertThat(new String(head, 512, 8, java.nio.charset.StandardCharsets.US_ASCII)).isNotEqualTo("EFI PART");
    }
}
