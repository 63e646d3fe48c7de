package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.Ip4;

/** The election rules on a simulated subnet ({@link SimNet}): no sockets, no sleeping, every run the same. */
class ElectorTest {
    final SimNet net = new SimNet();

    /** Runs {@code millis} and returns the largest number of responders a client could hear at any tick. */
    int maxHeardResponders(long millis) {
        int max = 0;
        for (long t = 0; t < millis; t += ElectionService.TICK_MILLIS) {
            net.run(ElectionService.TICK_MILLIS);
            max = Math.max(max, net.heardResponders().size());
        }
        return max;
    }

    @Test
    void aLoneRuntimeAnswersAfterListeningAndWaiting() {
        net.add("a", 1, 100);
        net.run(2400);
        assertThat(net.responders()).isEmpty(); // 1500 ms listening, then 1000 ms as candidate
        assertThat(net.node("a").role()).isEqualTo(Role.CANDIDATE);
        net.run(200);
        assertThat(net.responders()).containsExactly("a");
        assertThat(net.node("a").log).extracting(Elector.Transition::to)
                .containsExactly(Role.CANDIDATE, Role.RESPONDER);
    }

    @Test
    void threeRuntimesStartingTogetherElectTheHighestWeightAndNeverTwo() {
        net.add("low", 1, 10);
        net.add("high", 3, 30);
        net.add("mid", 2, 20);
        assertThat(maxHeardResponders(10_000)).isEqualTo(1);
        assertThat(net.responders()).containsExactly("high");
        assertThat(net.node("low").role()).isEqualTo(Role.STANDBY);
        assertThat(net.node("mid").role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void equalWeightsGoToTheLowerId() {
        net.add("b", 7, 50);
        net.add("a", 5, 50);
        net.add("c", 9, 50);
        assertThat(maxHeardResponders(5000)).isEqualTo(1);
        assertThat(net.responders()).containsExactly("a");
    }

    @Test
    void aDeadResponderIsReplacedWithinTheFailoverTimeByTheNextBest() {
        net.add("a", 1, 30);
        net.add("b", 2, 20);
        net.add("c", 3, 10);
        net.run(5000);
        assertThat(net.responders()).containsExactly("a");
        long failover = net.node("b").elector.settings().failoverMillis();
        assertThat(failover).isEqualTo(3000);
        net.node("a").up = false; // SIGKILL: silence, no goodbye
        long took = net.runUntil(() -> net.responders().equals(Set.of("b")), 5000);
        assertThat(took).isBetween(1500L, failover);
        assertThat(net.node("b").log).filteredOn(t -> t.to() == Role.CANDIDATE).last()
                .extracting(Elector.Transition::reason).asString()
                .startsWith("responder 10.231.104.1 (id 1, weight 30) silent for");
        assertThat(maxHeardResponders(10_000)).isEqualTo(1);
        assertThat(net.node("c").role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void aReturningHigherWeightPeerTakesOverOnlyInAQuietMoment() {
        net.add("low", 2, 10);
        net.run(3000);
        assertThat(net.responders()).containsExactly("low");
        net.node("low").busy = true; // a client is booting from it
        net.add("high", 1, 99);
        assertThat(maxHeardResponders(10_000)).isEqualTo(1);
        assertThat(net.responders()).containsExactly("low");
        assertThat(net.node("high").role()).isEqualTo(Role.CANDIDATE); // asks, waits
        net.node("low").busy = false;
        long took = net.runUntil(() -> net.responders().equals(Set.of("high")), 2000);
        assertThat(took).isBetween(0L, 300L);
        assertThat(maxHeardResponders(5000)).isEqualTo(1);
        assertThat(net.node("low").log.get(net.node("low").log.size() - 1).reason()).contains("quiet moment");
    }

    @Test
    void noDuplicateDuringAHandOver() {
        net.add("low", 2, 10);
        net.run(3000);
        net.add("high", 1, 99);
        int max = 0;
        for (int i = 0; i < 60; i++) {
            net.run(ElectionService.TICK_MILLIS);
            max = Math.max(max, net.responders().size());
        }
        assertThat(max).isEqualTo(1);
        assertThat(net.responders()).containsExactly("high");
    }

    @Test
    void anIsolatedResponderIsReplacedAndAfterHealingOnlyOneAnswers() {
        net.add("a", 1, 30);
        net.add("b", 2, 20);
        net.add("c", 3, 10);
        net.run(5000);
        net.node("a").connected = false; // its bridge port goes down
        long took = net.runUntil(() -> net.heardResponders().equals(Set.of("b")), 5000);
        assertThat(took).isBetween(1500L, 3000L);
        assertThat(net.responders()).containsExactlyInAnyOrder("a", "b"); // a answers nobody: it is cut off
        net.node("a").connected = true;
        // the first announcement across the healed link settles it: within one interval
        long settled = net.runUntil(() -> net.responders().size() == 1, 2000);
        assertThat(settled).isBetween(0L, 600L);
        assertThat(maxHeardResponders(10_000)).isEqualTo(1);
        assertThat(net.responders()).containsExactly("a"); // neither busy: the better one stays
    }

    @Test
    void afterHealingTheBusyResponderStaysAndTheBetterOneWaitsForQuiet() {
        net.add("a", 1, 30);
        net.add("b", 2, 20);
        net.run(5000);
        net.node("a").connected = false;
        net.runUntil(() -> net.heardResponders().equals(Set.of("b")), 5000);
        net.node("b").busy = true; // b serves a client now
        net.node("a").connected = true;
        long settled = net.runUntil(() -> net.responders().size() == 1, 2000);
        assertThat(settled).isBetween(0L, 600L);
        assertThat(net.responders()).containsExactly("b");
        assertThat(maxHeardResponders(5000)).isEqualTo(1);
        assertThat(net.node("a").role()).isEqualTo(Role.CANDIDATE);
        net.node("b").busy = false;
        assertThat(net.runUntil(() -> net.responders().equals(Set.of("a")), 1000)).isNotNegative();
        assertThat(maxHeardResponders(5000)).isEqualTo(1);
    }

    @Test
    void aSplitWhereBothAreBusyStillEndsWithOne() {
        net.add("a", 1, 30);
        net.add("b", 2, 20);
        net.run(5000);
        net.node("a").connected = false;
        net.runUntil(() -> net.heardResponders().equals(Set.of("b")), 5000);
        net.node("a").busy = true;
        net.node("b").busy = true;
        net.node("a").connected = true;
        assertThat(net.runUntil(() -> net.responders().size() == 1, 2000)).isBetween(0L, 600L);
        assertThat(net.responders()).containsExactly("a");
    }

    @Test
    void weightZeroNeverAnswers() {
        net.add("zero", 1, 0);
        net.run(10_000);
        assertThat(net.responders()).isEmpty();
        net.add("one", 2, 1);
        net.run(5000);
        assertThat(net.responders()).containsExactly("one");
    }

    @Test
    void aReplayCannotReviveADeadResponder() {
        net.add("a", 1, 30);
        SimNet.Node b = net.add("b", 2, 20);
        net.run(5000);
        Announcement recorded = net.node("a").elector.announcement(3); // an old one, as captured on the wire
        net.node("a").up = false;
        net.runUntil(() -> net.responders().equals(Set.of("b")), 5000);
        List<Elector.Transition> changes = new ArrayList<>();
        assertThat(b.elector.receive(recorded, net.now, changes)).isEqualTo(Elector.Outcome.STALE);
        assertThat(changes).isEmpty();
        assertThat(b.role()).isEqualTo(Role.RESPONDER);
    }

    @Test
    void otherSubnetsOwnEchoesAndDuplicateIdsAreNotPeers() {
        SimNet.Node a = net.add("a", 1, 30);
        List<Elector.Transition> changes = new ArrayList<>();
        Announcement own = a.elector.announcement(0);
        assertThat(a.elector.receive(own, net.now, changes)).isEqualTo(Elector.Outcome.OWN);
        Announcement twin = new Announcement(own.subnet(), own.id(), Ip4.parse("10.231.104.77"), 1, Role.RESPONDER,
                false, own.epoch() + 1, 0);
        assertThat(a.elector.receive(twin, net.now, changes)).isEqualTo(Elector.Outcome.DUPLICATE_ID);
        Announcement elsewhere = new Announcement(Subnet.parse("10.231.105.0/24"), 9, Ip4.parse("10.231.105.9"),
                999, Role.RESPONDER, false, 1, 0);
        assertThat(a.elector.receive(elsewhere, net.now, changes)).isEqualTo(Elector.Outcome.OTHER_SUBNET);
        assertThat(a.elector.peers()).isEmpty();
        net.run(3000);
        assertThat(net.responders()).containsExactly("a");
    }

    @Test
    void aRestartedPeerWithANewEpochIsHeard() {
        SimNet.Node a = net.add("a", 1, 30);
        net.run(3000);
        List<Elector.Transition> changes = new ArrayList<>();
        Announcement first = new Announcement(SimNet.SUBNET, 2, Ip4.parse("10.231.104.2"), 5, Role.STANDBY, false,
                100, 50);
        Announcement restarted = new Announcement(SimNet.SUBNET, 2, Ip4.parse("10.231.104.2"), 5, Role.STANDBY,
                false, 200, 0);
        assertThat(a.elector.receive(first, net.now, changes)).isEqualTo(Elector.Outcome.ACCEPTED);
        assertThat(a.elector.receive(first, net.now, changes)).isEqualTo(Elector.Outcome.STALE);
        assertThat(a.elector.receive(restarted, net.now, changes)).isEqualTo(Elector.Outcome.ACCEPTED);
        assertThat(a.elector.responder(net.now).id()).isEqualTo(1);
    }
}
