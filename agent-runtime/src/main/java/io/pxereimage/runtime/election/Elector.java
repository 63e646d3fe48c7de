package io.pxereimage.runtime.election;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The election of one runtime, as a pure state machine: announcements and clock ticks in, role changes out. No
 * sockets and no clock of its own ({@code now} is a monotonic millisecond count), so every race is a unit test.
 *
 * <p>Rank: higher weight wins, equal weights go to the lower id (unsigned). The rules, evaluated on every input:
 * <ul>
 * <li>STANDBY: listens for {@code deadAfter} after start; then becomes CANDIDATE when no live responder is heard, or
 *     when it outranks every live responder (it asks for the role; the responder hands over when quiet). It stays
 *     put while a better candidate is heard.</li>
 * <li>CANDIDATE: back to STANDBY when a better responder or a better candidate is heard; becomes RESPONDER once it
 *     has been candidate for {@code wait} and hears no live responder.</li>
 * <li>RESPONDER: hands over (to STANDBY) to a better candidate, but only while not busy (never mid-boot). When it
 *     hears another responder (split brain after a partition heals) exactly one of the two stays: the busy one if
 *     only one is busy, otherwise the better-ranked one; both sides apply the same rule to the same facts.</li>
 * </ul>
 * A peer is live while heard within {@code deadAfter}; a responder that dies or is cut off falls silent and is
 * replaced after {@code deadAfter + wait} at most (plus one tick).
 *
 * <p>Not thread-safe: the service calls it from its one thread.
 */
public final class Elector {
    /** What became of a received announcement; the {@code outcome} label of the message counter. */
    public enum Outcome { ACCEPTED, OWN, OTHER_SUBNET, STALE, DUPLICATE_ID }

    /** A role change and why, for the log. */
    public record Transition(Role from, Role to, String reason) {
    }

    /** What we know of a peer. */
    public record Peer(Announcement last, long heardAt) {
    }

    private final ElectionSettings settings;
    private final long epoch;
    private final long startedAt;
    private final Map<Long, Peer> peers = new HashMap<>();
    private Role role = Role.STANDBY;
    private long roleSince;
    private boolean busy;

    /**
     * @param epoch this runtime's own epoch (its announcements carry it; a message with our id and another epoch
     *              is a second runtime with our id)
     * @param now monotonic milliseconds
     */
    public Elector(ElectionSettings settings, long epoch, long now) {
        this.settings = settings;
        this.epoch = epoch;
        this.startedAt = now;
        this.roleSince = now;
    }

    public Role role() {
        return role;
    }

    public long roleSince() {
        return roleSince;
    }

    public boolean busy() {
        return busy;
    }

    public ElectionSettings settings() {
        return settings;
    }

    /** Our announcement, numbered {@code seq}. */
    public Announcement announcement(long seq) {
        return new Announcement(settings.subnet(), settings.id(), settings.address(), settings.weight(), role, busy,
                epoch, seq);
    }

    /** An authenticated announcement arrived at {@code now}. */
    public Outcome receive(Announcement a, long now, List<Transition> changes) {
        if (!a.subnet().equals(settings.subnet())) {
            return Outcome.OTHER_SUBNET;
        }
        if (a.id() == settings.id()) {
            return a.epoch() == epoch ? Outcome.OWN : Outcome.DUPLICATE_ID;
        }
        Peer known = peers.get(a.id());
        if (known != null && !newer(a, known.last())) {
            return Outcome.STALE; // a replay, or reordered: never let an old message revive a dead responder
        }
        peers.put(a.id(), new Peer(a, now));
        evaluate(now, changes);
        return Outcome.ACCEPTED;
    }

    /** The clock advanced; {@code busy} is whether a boot or transfer is in progress here now. */
    public void tick(long now, boolean busyNow, List<Transition> changes) {
        this.busy = busyNow;
        evaluate(now, changes);
    }

    /** The responder as far as we know: ourselves, or the best live peer announcing it; null when none. */
    public Announcement responder(long now) {
        if (role == Role.RESPONDER) {
            return announcement(0);
        }
        return live(now, Role.RESPONDER).stream().min(Comparator.comparing(a -> a, Elector::rankOrder)).orElse(null);
    }

    /** Every peer heard since start, live or not, by id. */
    public List<Peer> peers() {
        List<Peer> out = new ArrayList<>(peers.values());
        out.sort(Comparator.comparingLong(p -> p.last().id()));
        return out;
    }

    public boolean alive(Peer p, long now) {
        return now - p.heardAt() <= settings.deadAfterMillis();
    }

    private static boolean newer(Announcement a, Announcement old) {
        return a.epoch() > old.epoch() || (a.epoch() == old.epoch() && a.seq() > old.seq());
    }

    private void evaluate(long now, List<Transition> changes) {
        List<Announcement> responders = live(now, Role.RESPONDER);
        Announcement betterCandidate = live(now, Role.CANDIDATE).stream().filter(this::outranksMe).findFirst()
                .orElse(null);
        switch (role) {
            case STANDBY -> {
                if (now - startedAt < settings.deadAfterMillis() || settings.weight() == 0 || betterCandidate != null) {
                    return;
                }
                if (responders.isEmpty()) {
                    change(Role.CANDIDATE, now, silence(now), changes);
                } else if (responders.stream().noneMatch(this::outranksMe)) {
                    change(Role.CANDIDATE, now, "outranks responder " + describe(responders.get(0))
                            + ": takes over once it is quiet", changes);
                }
            }
            case CANDIDATE -> {
                Announcement better = responders.stream().filter(this::outranksMe).findFirst().orElse(betterCandidate);
                if (better != null) {
                    change(Role.STANDBY, now, describe(better) + " ranks higher", changes);
                } else if (responders.isEmpty() && now - roleSince >= settings.waitMillis()) {
                    change(Role.RESPONDER, now, "candidate for " + (now - roleSince) + " ms, no responder heard",
                            changes);
                }
            }
            case RESPONDER -> {
                for (Announcement other : responders) {
                    if (!staysAgainst(other)) {
                        change(Role.STANDBY, now, "split brain: responder " + describe(other)
                                + (other.busy() != busy ? " is busy" : " ranks higher") + " and stays", changes);
                        return;
                    }
                }
                if (betterCandidate != null && !busy) {
                    change(Role.STANDBY, now, "hands over to " + describe(betterCandidate) + " (quiet moment)",
                            changes);
                }
            }
        }
    }

    /** Why there is no responder, for the log: a silent one, one that said goodbye, or none ever heard. */
    private String silence(long now) {
        Peer gone = null;
        for (Peer p : peers.values()) {
            // the responder we were standing by for, not one that died before
            if (p.last().role() == Role.RESPONDER && !alive(p, now) && p.heardAt() >= roleSince
                    && (gone == null || p.heardAt() > gone.heardAt())) {
                gone = p;
            }
        }
        return gone == null ? "no live responder heard"
                : "responder " + describe(gone.last()) + " silent for " + (now - gone.heardAt()) + " ms";
    }

    /** Between two responders, whether we are the one that stays; the other side computes the same answer. */
    private boolean staysAgainst(Announcement other) {
        if (other.busy() != busy) {
            return busy;
        }
        return !outranksMe(other);
    }

    private boolean outranksMe(Announcement a) {
        return a.weight() > settings.weight()
                || (a.weight() == settings.weight() && Long.compareUnsigned(a.id(), settings.id()) < 0);
    }

    /** Best first. */
    static int rankOrder(Announcement a, Announcement b) {
        if (a.weight() != b.weight()) {
            return Integer.compare(b.weight(), a.weight());
        }
        return Long.compareUnsigned(a.id(), b.id());
    }

    private List<Announcement> live(long now, Role r) {
        List<Announcement> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.last().role() == r && alive(p, now)) {
                out.add(p.last());
            }
        }
        out.sort(Elector::rankOrder);
        return out;
    }

    private void change(Role to, long now, String reason, List<Transition> changes) {
        changes.add(new Transition(role, to, reason));
        role = to;
        roleSince = now;
    }

    static String describe(Announcement a) {
        return a.address().getHostAddress() + " (id " + Long.toUnsignedString(a.id()) + ", weight " + a.weight()
                + ")";
    }
}
