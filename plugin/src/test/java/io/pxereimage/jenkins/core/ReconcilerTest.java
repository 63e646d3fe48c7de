package io.pxereimage.jenkins.core;

import static io.pxereimage.jenkins.core.Lab.await;
import static io.pxereimage.jenkins.core.Lab.check;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes and leases brought together against a real runtime ({@link Lab}), including across a "restart". */
class ReconcilerTest {
    @TempDir
    Path dir;
    Lab lab;
    final List<Provisioner> provisioners = new ArrayList<>();
    final List<String> lost = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        lab = Lab.start(dir, 5, null);
    }

    @AfterEach
    void stop() {
        provisioners.forEach(Provisioner::close);
        lab.close();
    }

    private Provisioner provisioner(CloudSettings s) {
        Provisioner p = new Provisioner(lab.client, s, List.of(Template.of("metal", "metal", "", "demo")),
                node -> "secret", new Provisioner.Listener() {
                    @Override
                    public void leaseLost(String nodeName, String leaseId, String reason) {
                        lost.add(nodeName);
                    }
                }, Clock.systemUTC());
        provisioners.add(p);
        return p;
    }

    static CloudSettings settings() {
        return CloudSettings.defaults("jenkins-a", "http://jenkins:8080/").withPollInterval(Duration.ofMillis(200));
    }

    private static PlannedLease.Ready ready(PlannedLease p) throws Exception {
        return p.ready().get(30, TimeUnit.SECONDS);
    }

    @Test
    void nodeDeletedWhileItsLeaseLivesGetsItsLeaseReleased() throws Exception {
        Provisioner p = provisioner(settings());
        List<PlannedLease> planned = p.provision("metal", 2);
        PlannedLease.Ready kept = ready(planned.get(0));
        PlannedLease.Ready deleted = ready(planned.get(1));
        p.connected(kept.nodeName());
        p.connected(deleted.nodeName());
        Reconciler r = new Reconciler(lab.client, p, Clock.systemUTC());

        // Jenkins still has both: nothing to do.
        Reconciler.Result nothing = r.reconcile(List.of(new Reconciler.Node(kept.nodeName(), true),
                new Reconciler.Node(deleted.nodeName(), true)));
        assertThat(nothing.releasedLeases()).isEmpty();
        assertThat(nothing.nodesWithoutLease()).isEmpty();
        assertThat(nothing.adopted()).isEmpty();

        // Someone deletes a node by hand: its lease is released, its machine cleaned; the other stays.
        Reconciler.Result once = r.reconcile(List.of(new Reconciler.Node(kept.nodeName(), true)));
        assertThat(once.releasedLeases()).containsExactly(deleted.leaseId());
        assertThat(lab.leaseState(deleted.leaseId())).isEqualTo("released");
        assertThat(lab.leaseState(kept.leaseId())).isEqualTo("ready");
        await("machine cleaned", Duration.ofSeconds(10), check(() -> lab.machineState(deleted.machine())
                .equals("available")));
        assertThat(p.status().live()).isEqualTo(1);
    }

    @Test
    void leasesInFlightOrYoungerThanTheGraceAreNotReleased() throws Exception {
        lab.machinesBoot = false;
        Provisioner p = provisioner(settings().withReconcileGrace(Duration.ZERO));
        PlannedLease inFlight = p.provision("metal", 1).get(0);
        await("created", Duration.ofSeconds(10), () -> p.phase(inFlight.nodeName())
                .orElseThrow() == Provisioner.Phase.PROVISIONING);
        // A lease of this client made elsewhere (e.g. by this controller just before a crash), no node yet.
        RuntimeClient.Lease young = lab.client.create(new RuntimeClient.LeaseRequest("", null, "metal-0000beef",
                Map.of(), "jenkins-a", true, null, 60));
        // And one of another controller: never ours to touch.
        RuntimeClient.Lease foreign = lab.client.create(new RuntimeClient.LeaseRequest("", null, "metal-0000cafe",
                Map.of(), "jenkins-b", true, null, 60));

        Reconciler graceful = new Reconciler(lab.client,
                provisioner(settings().withReconcileGrace(Duration.ofMinutes(5))), Clock.systemUTC());
        assertThat(graceful.reconcile(List.of()).releasedLeases()).isEmpty();

        Reconciler r = new Reconciler(lab.client, p, Clock.systemUTC());
        Reconciler.Result result = r.reconcile(List.of(new Reconciler.Node("metal-00000000", false)));
        assertThat(result.releasedLeases()).as("the in-flight lease is the provisioner's").containsExactly(young.id());
        assertThat(result.nodesWithoutLease()).containsExactly("metal-00000000");
        assertThat(lab.leaseState(foreign.id())).isNotIn("released", "expired", "failed");
        assertThat(p.phase(inFlight.nodeName())).contains(Provisioner.Phase.PROVISIONING);
    }

    @Test
    void aRestartedControllerAdoptsLeasesOfItsNodesAndReleasesTheRest() throws Exception {
        CloudSettings s = settings().withHeartbeatSeconds(3).withInstanceCap(3)
                .withReconcileGrace(Duration.ZERO);
        Provisioner before = provisioner(s);
        List<PlannedLease> planned = before.provision("metal", 3);
        PlannedLease.Ready survivor = ready(planned.get(0));
        PlannedLease.Ready offline = ready(planned.get(1));
        PlannedLease.Ready neverAdded = ready(planned.get(2));
        before.connected(survivor.nodeName());
        before.connected(offline.nodeName());
        before.close(); // the controller dies: its memory is gone, the leases and Jenkins' nodes are not

        Provisioner after = provisioner(s.withLaunchTimeout(Duration.ofSeconds(3)));
        assertThat(after.status().live()).isZero();
        Reconciler r = new Reconciler(lab.client, after, Clock.systemUTC());
        Reconciler.Result result = r.reconcile(List.of(new Reconciler.Node(survivor.nodeName(), true),
                new Reconciler.Node(offline.nodeName(), false)));
        assertThat(result.adopted()).containsExactlyInAnyOrder(survivor.nodeName(), offline.nodeName());
        assertThat(result.releasedLeases()).containsExactly(neverAdded.leaseId());
        assertThat(result.nodesWithoutLease()).isEmpty();
        assertThat(lab.leaseState(neverAdded.leaseId())).isEqualTo("released");
        // Adopted leases count against the caps again.
        assertThat(after.status().live()).isEqualTo(2);
        List<PlannedLease> more = after.provision("metal", 5);
        assertThat(more).hasSize(1);
        PlannedLease.Ready added = ready(more.get(0));
        after.connected(added.nodeName());

        // Heartbeats resumed: the survivor outlives several heartbeat periods; the node whose agent never comes
        // back is not left offline forever: the launch timeout releases it and Jenkins is told to remove it.
        Thread.sleep(7_000);
        assertThat(lab.leaseState(survivor.leaseId())).isEqualTo("ready");
        assertThat(lab.leaseState(offline.leaseId())).isEqualTo("released");
        assertThat(lost).containsExactly(offline.nodeName());

        // A second pass: the removed node is gone from Jenkins too; nothing more to do.
        Reconciler.Result again = r.reconcile(List.of(new Reconciler.Node(survivor.nodeName(), true),
                new Reconciler.Node(added.nodeName(), true)));
        assertThat(again.adopted()).isEmpty();
        assertThat(again.releasedLeases()).isEmpty();
    }
}
