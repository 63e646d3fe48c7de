package io.pxereimage.runtime.config;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * This runtime's site in a store shared by several (docs/sites.md). {@code site: rack-a} is short for
 * {@code site: {name: rack-a}}.
 *
 * @param name the site's name in the store: it owns (drives) the pool machines of this config; default
 *             {@code pool.owner}, else the host name. Unique per runtime among those sharing the store
 * @param heartbeatSeconds how often this runtime writes its site's heartbeat (default 5)
 * @param unreachableAfterSeconds how long the other runtimes wait for the next heartbeat before they mark this
 *             site's machines unreachable (default 30; at least twice the heartbeat)
 */
public record SiteSection(String name, Integer heartbeatSeconds, Integer unreachableAfterSeconds) {

    public SiteSection {
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            throw new IllegalArgumentException("name: '" + name + "' is not a site name (letters, digits, '.', '_',"
                    + " '-'; at most 128)");
        }
        heartbeatSeconds = Fields.range("heartbeatSeconds", heartbeatSeconds, 5, 1, 300);
        unreachableAfterSeconds = Fields.range("unreachableAfterSeconds", unreachableAfterSeconds,
                Math.max(30, 2 * heartbeatSeconds), 2, 86_400);
        if (unreachableAfterSeconds < 2 * heartbeatSeconds) {
            throw new IllegalArgumentException("unreachableAfterSeconds: " + unreachableAfterSeconds + " is less than"
                    + " twice heartbeatSeconds (" + heartbeatSeconds + "): one late heartbeat would mark the site");
        }
    }

    /** {@code site: NAME}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static SiteSection named(String name) {
        return new SiteSection(name, null, null);
    }

    public static SiteSection defaults() {
        return new SiteSection(null, null, null);
    }
}
