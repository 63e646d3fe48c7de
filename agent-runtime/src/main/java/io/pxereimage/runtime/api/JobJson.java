package io.pxereimage.runtime.api;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.device.JobRecord;

/**
 * A job as the admin API shows it. First-boot data is left out (it may hold secrets); the image and target are
 * summarised in {@code detail}. {@code events} is null in lists, filled for {@code GET /jobs/{id}}.
 */
public record JobJson(String id, String type, String machine, String mac, String state, Instant created,
        Instant started, Instant finished, String message, String detail, Progress progress,
        List<AgentEvent> events) {

    /** The last progress report; {@code percent} is 0..100. */
    public record Progress(long bytes, long totalBytes, int percent, long bytesPerSecond, long etaSeconds) {
    }

    public static JobJson from(JobRecord.Snapshot s, boolean withEvents) {
        AgentEvent p = s.progress();
        Progress progress = null;
        if (p != null && p.bytes() != null && p.totalBytes() != null) {
            long total = p.totalBytes();
            progress = new Progress(p.bytes(), total, total <= 0 ? 0 : (int) Math.min(100, p.bytes() * 100 / total),
                    p.bytesPerSecond() == null ? 0 : p.bytesPerSecond(),
                    p.etaSeconds() == null ? -1 : p.etaSeconds());
        }
        return new JobJson(s.id(), s.type(), s.machine(), s.mac().toString(),
                s.state().name().toLowerCase(Locale.ROOT), s.created(), s.started(), s.finished(), s.message(),
                detail(s.job()), progress, withEvents ? s.events() : null);
    }

    private static String detail(Job job) {
        if (job instanceof Job.DeployImage d) {
            return d.image().name() + " -> " + target(d.target());
        } else if (job instanceof Job.Wipe w) {
            return target(w.target());
        } else if (job instanceof Job.Run r) {
            return String.join(" ", r.command());
        }
        return null;
    }

    private static String target(Job.Target t) {
        return t == null ? "smallest-fit" : t.device() != null ? t.device() : t.rule();
    }
}
