package io.pxereimage.runtime.device;

import java.time.Duration;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.timeline.BootTimeline;

/**
 * Deploy meters for {@code /metrics}: {@code pxe_agent_registrations_total{outcome}},
 * {@code pxe_jobs_finished_total{type,state}}, {@code pxe_deploy_duration_seconds{outcome}} (histogram),
 * {@code pxe_deploy_bytes_total}, {@code pxe_deploy_rate_bytes_per_second} (summary), and gauges
 * {@code pxe_agent_sessions}, {@code pxe_jobs_parked_polls}. A successful deploy is also the {@code imaged} phase of
 * the machine's boot ({@link BootTimeline}).
 */
public final class DeployMetrics implements JobQueue.Listener {
    private final MeterRegistry meters;
    private final BootTimeline boots;

    DeployMetrics(MeterRegistry meters, AgentSessions sessions, JobQueue jobs, BootTimeline boots) {
        this.meters = meters;
        this.boots = boots;
        Gauge.builder("pxe_agent_sessions", sessions, s -> s.list().size())
                .description("registered deploy agents").register(meters);
        Gauge.builder("pxe_jobs_parked_polls", jobs, JobQueue::parkedPolls)
                .description("agent long-polls waiting for a job").register(meters);
        jobs.addListener(this);
    }

    /** @param outcome {@code ok} or a refusal such as {@code expired} */
    public void registration(BootTokens.Outcome outcome) {
        Counter.builder("pxe_agent_registrations_total").tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                .description("agent registrations by outcome").register(meters).increment();
    }

    @Override
    public void finished(JobRecord job) {
        JobRecord.Snapshot s = job.snapshot();
        String state = s.state().name().toLowerCase(Locale.ROOT);
        Counter.builder("pxe_jobs_finished_total").tag("type", s.type()).tag("state", state)
                .description("jobs finished, by type and outcome").register(meters).increment();
        if (!(job.job() instanceof Job.DeployImage) || s.started() == null || s.finished() == null) {
            return; // a job cancelled before an agent took it has no duration
        }
        Duration took = Duration.between(s.started(), s.finished());
        Timer.builder("pxe_deploy_duration_seconds").tag("outcome", state)
                .description("deploy jobs from the agent taking them to their result")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofSeconds(1))
                .maximumExpectedValue(Duration.ofHours(2)).register(meters).record(took);
        if (s.state() != JobRecord.State.SUCCEEDED) {
            return;
        }
        boots.reached(job.mac(), BootTimeline.Phase.IMAGED);
        Long bytes = s.progress() == null ? null : s.progress().bytes();
        if (bytes != null && bytes > 0) {
            Counter.builder("pxe_deploy_bytes_total")
                    .description("image bytes written by successful deploy jobs").register(meters).increment(bytes);
            if (!took.isZero()) {
                DistributionSummary.builder("pxe_deploy_rate_bytes_per_second")
                        .description("average write rate of each successful deploy job")
                        .register(meters).record(bytes * 1e9 / took.toNanos());
            }
        }
    }
}
