package io.pxereimage.jenkins.core;

import static io.pxereimage.jenkins.core.Lab.await;
import static io.pxereimage.jenkins.core.Lab.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provisioner against a real runtime with five pool machines ({@link Lab}); no mocks. */
class ProvisionerTest {
    static final String JENKINS = "http://jenkins.example:8080/";

    @TempDir
    Path dir;
    Lab lab;
    Provisioner provisioner;
    final List<String> lost = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        lab = Lab.start(dir, 5, null);
    }

    @AfterEach
    void stop() {
        if (provisioner != null) {
            provisioner.close();
        }
        lab.close();
    }

    private Provisioner provisioner(CloudSettings s, Template... templates) {
        provisioner = new Provisioner(lab.client, s, List.of(templates), node -> "secret-of-" + node,
                new Provisioner.Listener() {
                    @Override
                    public void leaseLost(String nodeName, String leaseId, String reason) {
                        lost.add(nodeName + ": " + reason);
                    }
                }, Clock.systemUTC());
        return provisioner;
    }

    static CloudSettings settings() {
        return CloudSettings.defaults("jenkins-test", JENKINS).withPollInterval(Duration.ofMillis(200));
    }

    @Test
    void twentyConcurrentProvisionCallsWithCapThreeLeaseExactlyThree() throws Exception {
        provisioner(settings().withInstanceCap(3), Template.of("metal", "metal linux", "metal && x86", "demo"));
        ExecutorService jenkins = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<List<PlannedLease>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return provisioner.provision("metal && linux", 1);
            }, jenkins));
        }
        go.countDown();
        List<PlannedLease> planned = new ArrayList<>();
        for (CompletableFuture<List<PlannedLease>> c : calls) {
            planned.addAll(c.get(30, TimeUnit.SECONDS));
        }
        jenkins.shutdown();
        assertThat(planned).hasSize(3);
        assertThat(planned).extracting(PlannedLease::nodeName).doesNotHaveDuplicates()
                .allMatch(n -> n.matches("metal-[0-9a-f]{8}"));

        List<PlannedLease.Ready> ready = new ArrayList<>();
        for (PlannedLease p : planned) {
            ready.add(p.ready().get(30, TimeUnit.SECONDS));
        }
        assertThat(ready).extracting(PlannedLease.Ready::machine).doesNotHaveDuplicates().hasSize(3);
        // The runtime agrees: exactly three leases of this client, three machines taken, two still available.
        assertThat(lab.client.activeLeases("jenkins-test")).hasSize(3)
                .allSatisfy(l -> assertThat(l.state()).isEqualTo("ready"));
        assertThat(lab.client.machines()).filteredOn(m -> m.state().equals("available")).hasSize(2);
        // Live leases count against the cap as in-flight ones did.
        assertThat(provisioner.provision("metal", 5)).isEmpty();
        assertThat(provisioner.status().live()).isEqualTo(3);

        // Each machine got what its agent needs to connect.
        for (PlannedLease.Ready r : ready) {
            assertThat(lab.firstBoot.get(r.machine())).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "jenkinsUrl", JENKINS, "agentName", r.nodeName(), "agentSecret", "secret-of-" + r.nodeName(),
                    "agentWorkDir", "/var/lib/jenkins-agent"));
        }
        // The runtime shows data keys only, never the secret.
        assertThat(lab.client.lease(ready.get(0).leaseId()).orElseThrow().dataKeys())
                .containsExactlyInAnyOrder("jenkinsUrl", "agentName", "agentSecret", "agentWorkDir");
    }

    @Test
    void templateCapAndExecutorsLimitOneCall() throws Exception {
        provisioner(settings(), Template.of("small", "metal", "", "demo").withInstanceCap(2).withNumExecutors(2),
                Template.of("other", "metal", "", "demo").withInstanceCap(1));
        // 9 executors wanted: small gives 2 nodes (4 executors, its cap), other 1 (its cap); the rest waits.
        List<PlannedLease> planned = provisioner.provision("metal", 9);
        assertThat(planned).extracting(p -> p.template().name()).containsExactly("small", "small", "other");
        for (PlannedLease p : planned) {
            p.ready().get(30, TimeUnit.SECONDS);
        }
        assertThat(lab.client.activeLeases("jenkins-test")).hasSize(3);
        assertThat(provisioner.canProvision("metal")).isTrue();
        assertThat(provisioner.canProvision("windows")).isFalse();
        assertThat(provisioner.canProvision(null)).isFalse();
    }

    @Test
    void failingTemplateBacksOffWithItsReasonThenRecovers() throws Exception {
        provisioner(settings().withBackoff(2, Duration.ofSeconds(3), Duration.ofSeconds(30)),
                Template.of("broken", "metal", "", "missing-image"));
        PlannedLease first = provisioner.provision("metal", 1).get(0);
        assertThatThrownBy(() -> first.ready().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(PlannedLease.ProvisioningException.class)
                .hasMessageContaining("400 image: no image missing-image in the catalog");
        assertThat(provisioner.canProvision("metal")).as("one failure is not yet a backoff").isTrue();

        PlannedLease second = provisioner.provision("metal", 1).get(0);
        assertThatThrownBy(() -> second.ready().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(provisioner.canProvision("metal")).isFalse();
        assertThat(provisioner.provision("metal", 1)).isEmpty();
        Provisioner.TemplateStatus s = provisioner.status().templates().get(0);
        assertThat(s.backingOff()).isTrue();
        assertThat(s.consecutiveFailures()).isEqualTo(2);
        assertThat(s.lastFailure()).contains("no image missing-image in the catalog");
        assertThat(s.backingOffUntil()).isAfter(java.time.Instant.now())
                .isBefore(java.time.Instant.now().plusSeconds(4));

        // The admin imports the image; once the backoff is over one trial goes, succeeds and resets the count.
        lab.addImage("missing-image");
        await("backoff over", Duration.ofSeconds(10), () -> provisioner.canProvision("metal"));
        List<PlannedLease> trial = provisioner.provision("metal", 3);
        assertThat(trial).as("half-open: one trial at a time").hasSize(1);
        trial.get(0).ready().get(30, TimeUnit.SECONDS);
        s = provisioner.status().templates().get(0);
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.lastFailure()).isNull();
        assertThat(provisioner.provision("metal", 2)).hasSize(2);
    }

    @Test
    void labelsNoMachineHasFailAtOnceAndBackOff() throws Exception {
        provisioner(settings().withBackoff(1, Duration.ofMinutes(5), Duration.ofMinutes(30)),
                Template.of("gpu", "gpu", "gpu", "demo"), Template.of("metal", "metal", "metal", "demo"));
        PlannedLease p = provisioner.provision("gpu", 1).get(0);
        assertThatThrownBy(() -> p.ready().get(30, TimeUnit.SECONDS)).hasMessageContaining("failed")
                .hasMessageContaining("no machine of the pool matches labels 'gpu'");
        assertThat(provisioner.canProvision("gpu")).isFalse();
        assertThat(provisioner.canProvision("metal")).as("other templates are not affected").isTrue();
        assertThat(provisioner.status().templates().get(0).lastFailure()).contains("no machine of the pool matches");
    }

    @Test
    void leaseWhoseAgentNeverConnectsIsReleasedAfterTheLaunchTimeout() throws Exception {
        provisioner(settings().withLaunchTimeout(Duration.ofSeconds(2)), Template.of("metal", "metal", "", "demo"));
        List<PlannedLease> planned = provisioner.provision("metal", 2);
        PlannedLease.Ready silent = planned.get(0).ready().get(30, TimeUnit.SECONDS);
        PlannedLease.Ready connecting = planned.get(1).ready().get(30, TimeUnit.SECONDS);
        provisioner.connected(connecting.nodeName());

        await("launch timeout", Duration.ofSeconds(10), check(() -> lab.leaseState(silent.leaseId())
                .equals("released")));
        await("Jenkins told", Duration.ofSeconds(5), () -> !lost.isEmpty());
        assertThat(lost).singleElement().asString().startsWith(silent.nodeName())
                .contains("launch timeout: the agent did not connect within 2 s");
        await("machine cleaned", Duration.ofSeconds(10), check(() -> lab.machineState(silent.machine())
                .equals("available")));
        Thread.sleep(2500);
        assertThat(lab.leaseState(connecting.leaseId())).as("a connected node keeps its lease").isEqualTo("ready");
        assertThat(provisioner.phase(silent.nodeName())).isEmpty();
        assertThat(provisioner.status().templates().get(0).consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void heartbeatsKeepAShortLeaseAliveAndStoppingThemLetsItExpire() throws Exception {
        lab.machinesBoot = false; // in flight the whole time: heartbeats matter in every state
        provisioner(settings().withHeartbeatSeconds(3), Template.of("metal", "metal", "", "demo"));
        PlannedLease p = provisioner.provision("metal", 1).get(0);
        await("lease created", Duration.ofSeconds(10), () -> provisioner.phase(p.nodeName())
                .orElseThrow() == Provisioner.Phase.PROVISIONING);
        String id = lab.client.activeLeases("jenkins-test").get(0).id();
        Thread.sleep(7_000); // more than twice the heartbeat period
        assertThat(lab.leaseState(id)).isEqualTo("provisioning");

        provisioner.close();
        long stopped = System.nanoTime();
        await("expired", Duration.ofSeconds(10), check(() -> lab.leaseState(id).equals("expired")));
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(6));
        assertThat(lab.client.lease(id).orElseThrow().message()).contains("no heartbeat");
    }

    @Test
    void terminatingANodeReleasesItsLeaseAndTheMachineReturns() throws Exception {
        provisioner(settings(), Template.of("metal", "metal", "", "demo"));
        PlannedLease.Ready r = provisioner.provision("metal", 1).get(0).ready().get(30, TimeUnit.SECONDS);
        provisioner.connected(r.nodeName());
        assertThat(provisioner.release(r.nodeName(), "node terminated")).isTrue();
        assertThat(lab.leaseState(r.leaseId())).isEqualTo("released");
        await("machine cleaned", Duration.ofSeconds(10), check(() -> lab.machineState(r.machine())
                .equals("available")));
        assertThat(provisioner.release(r.nodeName(), "again")).isFalse();
        assertThat(provisioner.status().live()).isZero();
    }

    @Test
    void aNodeReleasedWhileItsLeaseIsBeingCreatedHasItReleasedOnceCreated() throws Exception {
        provisioner(settings(), Template.of("metal", "metal", "", "demo"));
        PlannedLease p = provisioner.provision("metal", 1).get(0);
        assertThat(provisioner.release(p.nodeName(), "Jenkins gave up on it")).isTrue();
        assertThatThrownBy(() -> p.ready().get(5, TimeUnit.SECONDS)).hasMessageContaining("released");
        await("created, then released", Duration.ofSeconds(10), check(() -> {
            List<RuntimeClient.Lease> all = lab.client.leases("jenkins-test", null);
            return all.size() == 1 && all.get(0).state().equals("released");
        }));
        assertThat(provisioner.status().inFlight()).isZero();
    }

    @Test
    void aLeaseTheRuntimeDoesNotKnowIsLostNotRetriedForever() throws Exception {
        provisioner(settings().withHeartbeatSeconds(3), Template.of("metal", "metal", "", "demo"));
        java.time.Instant now = java.time.Instant.now();
        RuntimeClient.Lease gone = new RuntimeClient.Lease("l-0123456789ab", "jenkins-test", "", "demo",
                "metal-0badf00d", List.of(), true, "ready", "m9", "ready", null, now, null, now, now, null, 3);
        assertThat(provisioner.adopt(gone, true)).isTrue();
        assertThat(provisioner.status().live()).isEqualTo(1);
        await("lost", Duration.ofSeconds(5), () -> !lost.isEmpty());
        assertThat(lost).containsExactly("metal-0badf00d: lease l-0123456789ab is unknown to the runtime");
        assertThat(provisioner.status().live()).isZero();
    }
}
