package io.pxereimage.runtime.multicast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.AgentSettings;
import io.pxereimage.runtime.device.DeployFlow;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.Events;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.image.ImageImporter;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Grouping deploy jobs into multicast sessions without a network: the sender is a stand-in that records its
 * config and returns a scripted report.
 */
class MulticastSessionsTest {
    static final List<MacAddress> MACS = List.of(MacAddress.parse("52:54:00:00:00:01"),
            MacAddress.parse("52:54:00:00:00:02"), MacAddress.parse("52:54:00:00:00:03"),
            MacAddress.parse("52:54:00:00:00:04"));

    @TempDir
    Path dir;
    MachineRegistry registry;
    DeployServices deploy;
    MulticastSessions sessions;
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final BlockingQueue<MulticastSender.Config> sent = new LinkedBlockingQueue<>();
    /** What the stand-in sender returns for a config (default: every receiver verified). */
    volatile Sender sender = c -> report(c, "verified");

    interface Sender {
        MulticastSender.Report run(MulticastSender.Config c) throws IOException;
    }

    /** Windows of a second or two: shorter ones were missed by the second job on a loaded machine (load 12). */
    void start(int windowMillis) throws Exception {
        List<MachinePlan> plans = new ArrayList<>();
        for (int i = 0; i < MACS.size(); i++) {
            plans.add(MachinePlan.boot(MACS.get(i), "m" + (i + 1), new BootSpec("vmlinuz", null, null)));
        }
        registry = new MachineRegistry(plans, null);
        deploy = new DeployServices(dir.resolve("data"), Clock.systemUTC(), registry, null, AgentSettings.defaults(),
                meters);
        MulticastSettings settings = new MulticastSettings(
                (java.net.Inet4Address) InetAddress.getByName("239.255.80.1"), 7400, null,
                Duration.ofMillis(windowMillis), 0, 1, Duration.ofSeconds(30), Duration.ofSeconds(5), 10, 2);
        sessions = new MulticastSessions(settings, NetworkInterface.getByName("lo"), deploy.flow(), deploy.jobs(),
                deploy.events(), deploy.images()::fileFor, Clock.systemUTC(), c -> {
                    sent.add(c);
                    return sender.run(c);
                }, meters);
    }

    @AfterEach
    void tearDown() {
        if (sessions != null) {
            sessions.close();
        }
        if (deploy != null) {
            deploy.close();
        }
    }

    ImageEntry image(String name, byte fill, String compression) throws Exception {
        Path file = dir.resolve(name);
        byte[] b = new byte[4096];
        java.util.Arrays.fill(b, fill);
        Files.write(file, b);
        return deploy.importer().add(new ImageImporter.Request(name, file.toString(), compression, false, null));
    }

    MachinePlan plan(int i) {
        return registry.get(MACS.get(i)).orElseThrow();
    }

    JobRecord reimage(int i, ImageEntry image) {
        return deploy.flow().reimage(plan(i), image, Job.Target.device("/dev/vda"), null);
    }

    /** The job an agent of machine {@code i} gets, or null when none comes within {@code millis}. */
    JobRecord take(int i, long millis) throws Exception {
        CompletableFuture<JobRecord> got = new CompletableFuture<>();
        deploy.jobs().poll(MACS.get(i), Duration.ofMillis(millis), got::complete);
        return got.get(millis + 2000, TimeUnit.MILLISECONDS);
    }

    static Job.Multicast multicast(JobRecord r) {
        return ((Job.DeployImage) r.job()).multicast();
    }

    List<String> events(int i, String phase) {
        return deploy.events().list("m" + (i + 1)).stream().filter(e -> e.phase().equals(phase))
                .map(Events.Event::message).toList();
    }

    static MulticastSender.Report report(MulticastSender.Config c, String... outcomes) {
        List<MulticastSender.ReceiverOutcome> rs = new ArrayList<>();
        int i = 0;
        for (Long id : c.tokens().keySet()) {
            String o = i < outcomes.length ? outcomes[i] : outcomes[outcomes.length - 1];
            if (o.startsWith("http:")) {
                rs.add(new MulticastSender.ReceiverOutcome(id, i, false, null, o.substring(5)));
            } else if (!o.equals("absent")) {
                rs.add(new MulticastSender.ReceiverOutcome(id, i, o.equals("verified"),
                        o.equals("verified") ? null : o));
            }
            i++;
        }
        return new MulticastSender.Report(77, 4096, 3, 1, 1_000_000, rs, 0, 0);
    }

    double counter(String name, String tag, String value) {
        var c = meters.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void jobsOfOneImageWithinTheWindowShareASessionOthersGoUnicast() throws Exception {
        start(2000);
        ImageEntry a = image("a", (byte) 1, null);
        ImageEntry b = image("b", (byte) 2, null);
        JobRecord j1 = reimage(0, a);
        JobRecord j2 = reimage(1, a);
        JobRecord j3 = reimage(2, b); // alone with its image
        // held while the window is open: nothing to take yet
        assertThat(take(0, 100)).isNull();

        JobRecord got1 = take(0, 6000);
        JobRecord got2 = take(1, 6000);
        JobRecord got3 = take(2, 6000);
        assertThat(got1).isSameAs(j1);
        assertThat(got2).isSameAs(j2);
        assertThat(got3).isSameAs(j3);
        Job.Multicast m1 = multicast(j1);
        Job.Multicast m2 = multicast(j2);
        assertThat(m1).isNotNull();
        assertThat(m2).isNotNull();
        assertThat(m1.controlGroup()).isEqualTo("239.255.80.1");
        assertThat(m1.controlPort()).isEqualTo(7400);
        assertThat(m1.announceWaitSeconds()).isEqualTo(10);
        assertThat(m1.receiverId()).isNotEqualTo(m2.receiverId());
        assertThat(m1.token()).hasSize(64).isNotEqualTo(m2.token());
        assertThat(multicast(j3)).isNull();
        assertThat(events(2, "multicast-fallback")).singleElement().asString()
                .contains("no other machine asked for b within the 2 s gathering window: unicast");

        // the first delivery started the sender, with both receivers' tokens
        MulticastSender.Config c = sent.poll(5, TimeUnit.SECONDS);
        assertThat(c).isNotNull();
        assertThat(c.tokens()).containsOnlyKeys(m1.receiverId(), m2.receiverId());
        assertThat(c.tokens().get(m1.receiverId())).isEqualTo(m1.tokenBytes());
        assertThat(c.control().getAddress().getHostAddress()).isEqualTo("239.255.80.1");
        assertThat(c.data().getAddress().getHostAddress()).isEqualTo("239.255.80.2");
        assertThat(c.data().getPort()).isEqualTo(7401);
        assertThat(c.image()).isEqualTo(deploy.images().fileFor(a.sha256()).orElseThrow());
        assertThat(sent.poll(300, TimeUnit.MILLISECONDS)).as("one sender per session").isNull();
        awaitState("done");
        assertThat(events(0, "multicast")).anyMatch(e -> e.contains("created with 2 receivers [m1, m2] for a"))
                .anyMatch(e -> e.contains("started: announcing a (4096 bytes)"))
                .anyMatch(e -> e.contains("done: 4096 bytes") && e.contains("2 of 2 receivers verified"));
        assertThat(events(1, "multicast-receiver")).singleElement().asString()
                .contains("verified: received and verified the whole image");
        assertThat(counter("pxe_multicast_receivers_total", "outcome", "verified")).isEqualTo(2);
        assertThat(counter("pxe_multicast_sessions_total", "result", "done")).isEqualTo(1);
        assertThat(meters.find("pxe_multicast_repair_packets_total").counter().count()).isEqualTo(1);
        // every series scrapes (Prometheus refuses a name whose tag keys differ from another's of the same base)
        assertThat(meters.scrape()).contains("pxe_multicast_sessions_opened_total{how=\"window\"} 1.0")
                .contains("pxe_multicast_sessions_total{result=\"done\"} 1.0")
                .contains("pxe_multicast_receivers_total{outcome=\"verified\"} 2.0")
                .contains("pxe_multicast_image_bytes_total 4096.0").contains("pxe_multicast_sessions_active 0.0");
        assertThat(sessions.sessions()).singleElement().satisfies(s -> {
            assertThat(s.receivers()).extracting(MulticastSessions.ReceiverView::outcome)
                    .containsExactly("verified", "verified");
            assertThat(s.image()).isEqualTo("a");
        });
    }

    @Test
    void aVerifiedSenderReportDoesNotMarkTheMachineImagedOnlyTheAgentsResultDoes() throws Exception {
        start(1000);
        ImageEntry a = image("a", (byte) 1, null);
        JobRecord j1 = reimage(0, a);
        reimage(1, a);
        assertThat(take(0, 6000)).isSameAs(j1);
        awaitState("done");
        assertThat(plan(0).action()).isEqualTo(MachinePlan.Action.DEPLOY);
        assertThat(deploy.events().list("m1")).extracting(Events.Event::phase).doesNotContain("verified", "local");

        deploy.jobs().finish(MACS.get(0), j1.id(), JobResult.failed("sha256 mismatch after writing"));
        assertThat(plan(0).action()).isEqualTo(MachinePlan.Action.DEPLOY);
        assertThat(events(0, "failed")).isNotEmpty();
    }

    @Test
    void explicitSessionsStartAtOnceWithTheGivenMachinesOnly() throws Exception {
        start(0); // no automatic grouping
        ImageEntry a = image("a", (byte) 1, null);
        assertThat(sessions.gathers(a)).isFalse();
        JobRecord alone = reimage(3, a);
        assertThat(multicast(take(3, 1000))).as("window 0: unicast at once").isNull();
        assertThat(alone.snapshot().state()).isEqualTo(JobRecord.State.RUNNING);

        List<DeployFlow.Member> members = List.of(0, 1, 2).stream()
                .map(i -> new DeployFlow.Member(plan(i), null, null)).toList();
        DeployFlow.Together t = deploy.flow().reimageTogether(members, a);
        assertThat(t.session()).startsWith("mc-");
        assertThat(t.jobs()).hasSize(3).allSatisfy(j -> assertThat(multicast(j)).isNotNull());
        for (int i = 0; i < 3; i++) {
            assertThat(take(i, 1000)).isSameAs(t.jobs().get(i));
            assertThat(events(i, "planned")).last().asString().contains("held for a multicast session");
        }
        MulticastSender.Config c = sent.poll(5, TimeUnit.SECONDS);
        assertThat(c.tokens()).hasSize(3);
        assertThat(c.minReceivers()).isEqualTo(1);
        assertThat(c.maxWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.phaseTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.tuning()).isEqualTo(MulticastSender.Tuning.DEFAULT);
    }

    @Test
    void receiversThatLeaveAreDroppedOrNeverRegisterAreReportedAsSuch() throws Exception {
        start(0);
        sender = c -> report(c, "verified", "http:left: LOSSY, finishing over HTTP", "silent for PT5S in slice 3",
                "absent");
        ImageEntry a = image("a", (byte) 1, null);
        DeployFlow.Together t = deploy.flow().reimageTogether(List.of(0, 1, 2, 3).stream()
                .map(i -> new DeployFlow.Member(plan(i), null, null)).toList(), a);
        take(0, 1000);
        awaitState("done");
        assertThat(events(0, "multicast-receiver")).singleElement().asString().contains("verified");
        assertThat(events(1, "multicast-receiver")).singleElement().asString()
                .contains("left: left: LOSSY, finishing over HTTP");
        assertThat(events(2, "multicast-receiver")).singleElement().asString()
                .contains("dropped: silent for PT5S in slice 3; the agent finishes over HTTP or fails");
        assertThat(events(3, "multicast-receiver")).singleElement().asString().contains("unregistered: never registered");
        for (String o : List.of("verified", "left", "dropped", "unregistered")) {
            assertThat(counter("pxe_multicast_receivers_total", "outcome", o)).as(o).isEqualTo(1);
        }
        // machines 2-4 never took their jobs: the session is over, so they are unicast now
        for (int i = 1; i < 4; i++) {
            assertThat(multicast(take(i, 1000))).isNull();
            assertThat(events(i, "multicast-fallback")).singleElement().asString()
                    .contains("session " + t.session() + " ended before the machine took its job: unicast");
        }
    }

    @Test
    void aFailedSenderIsRecordedAndItsAgentsGoUnicast() throws Exception {
        start(0);
        sender = c -> {
            throw new IOException("only 0 of the minimum 1 receivers registered within PT30S");
        };
        ImageEntry a = image("a", (byte) 1, null);
        DeployFlow.Together t = deploy.flow().reimageTogether(List.of(0, 1).stream()
                .map(i -> new DeployFlow.Member(plan(i), null, null)).toList(), a);
        JobRecord taken = take(0, 1000);
        awaitState("failed");
        assertThat(events(0, "multicast-failed")).singleElement().asString()
                .contains("session " + t.session() + " failed: only 0 of the minimum 1 receivers registered")
                .contains("its agents deploy over HTTP");
        assertThat(counter("pxe_multicast_sessions_total", "result", "failed")).isEqualTo(1);
        assertThat(multicast(take(1, 1000))).isNull();
        // The agent that took its job reports its own fallback; it becomes a machine event.
        deploy.jobs().addEvents(MACS.get(0), taken.id(), List.of(AgentEvent.log(Instant.now(),
                "multicast: no announce within 10 s (IGMP snooping without a querier?): unicast")));
        assertThat(events(0, "multicast-fallback")).singleElement().asString()
                .isEqualTo("agent: multicast: no announce within 10 s (IGMP snooping without a querier?): unicast");
        assertThat(counter("pxe_multicast_fallbacks_total", "source", "agent")).isEqualTo(1);
    }

    @Test
    void agentMulticastMessagesBecomeMachineEventsFallbacksStandOut() throws Exception {
        start(0);
        ImageEntry a = image("a", (byte) 1, null);
        deploy.flow().reimageTogether(List.of(new DeployFlow.Member(plan(0), null, null)), a);
        JobRecord j = take(0, 1000);
        deploy.jobs().addEvents(MACS.get(0), j.id(), List.of(
                AgentEvent.log(Instant.now(), "wrote 4096 bytes"),
                AgentEvent.log(Instant.now(), "multicast LEFT (loss 12% above 10%): 1436 bytes by multicast,"
                        + " 2660 bytes still missing"),
                AgentEvent.log(Instant.now(), "image complete: 1436 bytes by multicast, 2660 bytes by HTTP Range,"
                        + " 0 bytes from an earlier run"),
                AgentEvent.log(Instant.now(), "image complete: 4096 bytes by multicast, 0 bytes by HTTP Range,"
                        + " 0 bytes from an earlier run")));
        assertThat(events(0, "multicast-fallback")).containsExactly(
                "agent: multicast LEFT (loss 12% above 10%): 1436 bytes by multicast, 2660 bytes still missing",
                "agent: image complete: 1436 bytes by multicast, 2660 bytes by HTTP Range, 0 bytes from an earlier run");
        assertThat(events(0, "multicast")).contains(
                "agent: image complete: 4096 bytes by multicast, 0 bytes by HTTP Range, 0 bytes from an earlier run")
                .noneMatch(e -> e.contains("wrote 4096"));
    }

    @Test
    void explicitSessionsAreRefusedWithAReason() throws Exception {
        start(0);
        ImageEntry gz = image("gz", (byte) 1, null);
        ImageEntry a = image("a", (byte) 1, null);
        // a compressed image is sent raw by nobody: refused before any job is queued
        ImageEntry compressed = new ImageEntry(gz.name() + "z", gz.source(), gz.sha256(), gz.sizeBytes(), "gzip",
                gz.storedBytes(), gz.blockMap(), gz.added());
        List<DeployFlow.Member> two = List.of(new DeployFlow.Member(plan(0), null, null),
                new DeployFlow.Member(plan(1), null, null));
        assertThatThrownBy(() -> deploy.flow().reimageTogether(two, compressed))
                .hasMessageContaining("multicast sends raw images only");
        assertThat(deploy.jobs().list()).isEmpty();
        assertThatThrownBy(() -> deploy.flow().reimageTogether(List.of(two.get(0), two.get(0)), a))
                .hasMessageContaining("appears twice");
        // maxSessions 2: a third session waits for a slot
        deploy.flow().reimageTogether(List.of(two.get(0)), a);
        deploy.flow().reimageTogether(List.of(two.get(1)), a);
        assertThatThrownBy(() -> deploy.flow().reimageTogether(List.of(new DeployFlow.Member(plan(2), null, null)),
                a)).hasMessageContaining("2 sessions are running already");
        // a newer reimage of those machines cancels the waiting sessions' jobs: their slots come back
        reimage(0, a);
        reimage(1, a);
        assertThat(deploy.flow().reimageTogether(List.of(new DeployFlow.Member(plan(2), null, null)), a).session())
                .isNotNull();
    }

    @Test
    void aJobReplacedDuringTheWindowIsLeftOut() throws Exception {
        start(2000);
        ImageEntry a = image("a", (byte) 1, null);
        JobRecord old = reimage(0, a);
        reimage(1, a);
        JobRecord unicast = deploy.flow().reimage(plan(0), a, null, null, false); // replaces the held one
        assertThat(old.snapshot().state()).isEqualTo(JobRecord.State.FAILED);
        assertThat(take(0, 1000)).isSameAs(unicast);
        assertThat(multicast(unicast)).isNull();
        JobRecord lone = take(1, 6000);
        assertThat(multicast(lone)).as("the only job left in the window").isNull();
        assertThat(events(1, "multicast-fallback")).isNotEmpty();
        assertThat(sessions.sessions()).isEmpty();
    }

    void awaitState(String state) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (sessions.sessions().stream().anyMatch(s -> s.state().equals(state))) {
                Thread.sleep(50); // the events after the state change
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no session " + state + ": " + sessions.sessions());
    }
}
