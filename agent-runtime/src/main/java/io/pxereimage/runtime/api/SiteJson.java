package io.pxereimage.runtime.api;

import java.time.Instant;

import io.pxereimage.runtime.pool.SiteStatus;

/** A site as {@code GET /api/v1/sites} shows it (docs/sites.md). */
public record SiteJson(String name, boolean unreachable, Instant heartbeat, long unreachableAfterSeconds,
        Instant unreachableSince, Instant started, int machines) {

    public static SiteJson from(SiteStatus s) {
        return new SiteJson(s.name(), s.unreachable(), s.heartbeat(), s.unreachableAfter().toSeconds(),
                s.unreachableSince(), s.started(), s.machines());
    }
}
