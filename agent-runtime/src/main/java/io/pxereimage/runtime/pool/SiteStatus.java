package io.pxereimage.runtime.pool;

import java.time.Duration;
import java.time.Instant;

/**
 * A site's row in the shared store: a runtime driving the machines of its boot networks (docs/sites.md).
 *
 * @param heartbeat the site's last heartbeat (its own clock)
 * @param unreachableAfter how long the others wait for its next heartbeat before they mark it unreachable (its own
 *        setting, stored with its heartbeat so that every runtime applies the same one)
 * @param started when the site's runtime started (its first heartbeat since)
 * @param unreachableSince when another runtime marked it unreachable; {@code null} while it is live
 * @param machines machines it owns in the store
 */
public record SiteStatus(String name, Instant heartbeat, Duration unreachableAfter, Instant started,
        Instant unreachableSince, int machines) {

    public boolean unreachable() {
        return unreachableSince != null;
    }
}
