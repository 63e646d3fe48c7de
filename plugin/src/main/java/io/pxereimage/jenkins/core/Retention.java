package io.pxereimage.jenkins.core;

import java.time.Duration;
import java.time.Instant;

/**
 * When a node ends, as plain logic (the Jenkins retention strategy asks it): a single-use node ({@code idleMinutes
 * == 0}) takes exactly one task and ends when it is done; another ends after {@code idleMinutes} without work. A
 * single-use node that never got its task (the build ran elsewhere) ends after {@link #UNUSED} idle, so it is not
 * kept forever.
 */
public record Retention(int idleMinutes) {
    /** How long a single-use node that never ran anything waits for its task. */
    public static final Duration UNUSED = Duration.ofMinutes(10);

    public Retention {
        if (idleMinutes < 0) {
            throw new IllegalArgumentException("idleMinutes: must be 0 (single use) or more");
        }
    }

    public static Retention of(Template t) {
        return new Retention(t.idleMinutes());
    }

    public boolean singleUse() {
        return idleMinutes == 0;
    }

    /** Whether the node may take a task after {@code tasksTaken} (single use: only the first). */
    public boolean acceptsTask(int tasksTaken) {
        return !singleUse() || tasksTaken == 0;
    }

    /**
     * @param busy whether any executor runs a task now
     * @param tasksTaken tasks the node has taken since it connected
     * @param idleSince when it last became idle (or connected)
     */
    public boolean shouldTerminate(boolean busy, int tasksTaken, Instant idleSince, Instant now) {
        if (busy) {
            return false;
        }
        Duration idle = Duration.between(idleSince, now);
        if (singleUse()) {
            return tasksTaken > 0 || idle.compareTo(UNUSED) >= 0;
        }
        return idle.compareTo(Duration.ofMinutes(idleMinutes)) >= 0;
    }
}
