package io.pxereimage.runtime.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.runtime.net.MacAddress;

class JobQueueTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:00:00:01");
    static final MacAddress OTHER = MacAddress.parse("52:54:00:00:00:02");
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final JobQueue jobs = new JobQueue(Clock.systemUTC(), timer);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void queuedJobIsDeliveredAtOnceAndRuns() throws Exception {
        JobRecord r = jobs.enqueue(MAC, "m1", Job.Reboot::new);
        assertThat(r.snapshot().state()).isEqualTo(JobRecord.State.QUEUED);
        CompletableFuture<JobRecord> got = new CompletableFuture<>();
        jobs.poll(MAC, Duration.ofSeconds(5), got::complete);
        assertThat(got.get(1, TimeUnit.SECONDS)).isSameAs(r);
        assertThat(r.snapshot().state()).isEqualTo(JobRecord.State.RUNNING);
        assertThat(r.snapshot().started()).isNotNull();
    }

    @Test
    void parkedPollGetsAJobQueuedLaterAndOthersTimeOut() throws Exception {
        CompletableFuture<JobRecord> waiting = new CompletableFuture<>();
        CompletableFuture<JobRecord> other = new CompletableFuture<>();
        jobs.poll(MAC, Duration.ofSeconds(10), waiting::complete);
        long t0 = System.nanoTime();
        jobs.poll(OTHER, Duration.ofMillis(200), j -> other.complete(j == null ? null : j));
        assertThat(jobs.parkedPolls()).isEqualTo(2);
        JobRecord r = jobs.enqueue(MAC, "m1", id -> new Job.Run(id, List.of("true")));
        assertThat(waiting.get(1, TimeUnit.SECONDS)).isSameAs(r);
        assertThat(other.get(2, TimeUnit.SECONDS)).isNull();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(150_000_000L);
        assertThat(jobs.parkedPolls()).isZero();
    }

    @Test
    void aPollerThatIsGoneLeavesTheJobQueued() throws Exception {
        jobs.poll(MAC, Duration.ofSeconds(10), j -> false);
        JobRecord r = jobs.enqueue(MAC, "m1", Job.Reboot::new);
        assertThat(r.snapshot().state()).isEqualTo(JobRecord.State.QUEUED);
        CompletableFuture<JobRecord> next = new CompletableFuture<>();
        jobs.poll(MAC, Duration.ofSeconds(5), next::complete);
        assertThat(next.get(1, TimeUnit.SECONDS)).isSameAs(r);
    }

    @Test
    void eventsAndResultOnlyFromTheJobsMachineWhileRunning() throws Exception {
        JobRecord r = jobs.enqueue(MAC, "m1", Job.Reboot::new);
        AgentEvent p = AgentEvent.progress(java.time.Instant.now(), 50, 100, 10, 5);
        assertThat(jobs.addEvents(MAC, r.id(), List.of(p))).contains(JobQueue.Refusal.NOT_RUNNING);
        jobs.poll(MAC, Duration.ofSeconds(1), j -> true);
        assertThat(jobs.addEvents(OTHER, r.id(), List.of(p))).contains(JobQueue.Refusal.NO_SUCH_JOB);
        assertThat(jobs.addEvents(MAC, r.id(), List.of(p))).isEmpty();
        assertThat(r.snapshot().progress()).isEqualTo(p);
        assertThat(jobs.finish(MAC, r.id(), JobResult.failed("disk gone"))).isEmpty();
        assertThat(r.snapshot().state()).isEqualTo(JobRecord.State.FAILED);
        assertThat(r.snapshot().message()).isEqualTo("disk gone");
        assertThat(jobs.finish(MAC, r.id(), JobResult.succeeded("again"))).contains(JobQueue.Refusal.NOT_RUNNING);
    }

    @Test
    void eventBufferIsBounded() {
        JobRecord r = jobs.enqueue(MAC, "m1", Job.Reboot::new);
        jobs.poll(MAC, Duration.ofSeconds(1), j -> true);
        for (int i = 0; i < JobRecord.MAX_EVENTS + 25; i++) {
            jobs.addEvents(MAC, r.id(), List.of(AgentEvent.log(java.time.Instant.now(), "line " + i)));
        }
        assertThat(r.snapshot().events()).hasSize(JobRecord.MAX_EVENTS);
        assertThat(r.snapshot().droppedEvents()).isEqualTo(25);
        assertThat(r.snapshot().events().get(0).message()).isEqualTo("line 25");
    }

    @Test
    void aPollWhileAJobRunsGetsItAgainAndEndsAReboot() throws Exception {
        JobRecord deploy = jobs.enqueue(MAC, "m1", id -> new Job.Run(id, List.of("true")));
        jobs.poll(MAC, Duration.ofSeconds(1), j -> true); // delivered, then the agent restarts
        CompletableFuture<JobRecord> again = new CompletableFuture<>();
        jobs.poll(MAC, Duration.ofSeconds(5), again::complete);
        assertThat(again.get(1, TimeUnit.SECONDS)).isSameAs(deploy);
        assertThat(jobs.finish(MAC, deploy.id(), JobResult.succeeded("ok"))).isEmpty();

        JobRecord reboot = jobs.enqueue(MAC, "m1", Job.Reboot::new);
        jobs.poll(MAC, Duration.ofSeconds(1), j -> true);
        CompletableFuture<JobRecord> after = new CompletableFuture<>();
        jobs.poll(MAC, Duration.ofMillis(100), after::complete);
        assertThat(after.get(2, TimeUnit.SECONDS)).isNull();
        assertThat(reboot.snapshot().state()).isEqualTo(JobRecord.State.SUCCEEDED);
    }
}
