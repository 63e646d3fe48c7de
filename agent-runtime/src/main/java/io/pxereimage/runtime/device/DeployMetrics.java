package io.pxereimage.runtime.device;

import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Deploy counters for {@code /metrics}: {@code pxe_agent_registrations_total{outcome}},
 * {@code pxe_jobs_finished_total{type,state}}, and gauges {@code pxe_agent_sessions}, {@code pxe_jobs_parked_polls}.
 */
public final class DeployMetrics implements JobQueue.Listener {
    private final MeterRegistry meters;

    DeployMetrics(MeterRegistry meters, AgentSessions sessions, JobQueue jobs) {
        this.meters = meters;
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
        Counter.builder("pxe_jobs_finished_total").tag("type", s.type())
                .tag("state", s.state().name().toLowerCase(Locale.ROOT))
                .description("jobs finished, by type and outcome").register(meters).increment();
    }
}
