package io.pxereimage.runtime.pool;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a pool machine is in its life. The happy path is
 * {@code available -> leased -> powering -> netbooting -> deploying -> booting-os -> ready -> releasing -> cleaning
 * -> available}; any phase can end in {@code failed}, and {@code quarantined} takes a machine out of the pool until
 * an admin clears it. {@link #canMoveTo} is the whole table; the store refuses anything else, with one move of its
 * own that no caller can ask for: {@code leased -> available} when the machine's site is marked unreachable before
 * it started the lease, which goes back to {@code pending} ({@code SiteStore.markUnreachable}, docs/sites.md).
 */
public enum MachineState {
    AVAILABLE, LEASED, POWERING, NETBOOTING, DEPLOYING, BOOTING_OS, READY, RELEASING, CLEANING, FAILED, QUARANTINED;

    /** States in which a lease holds the machine (the store's check constraint says the same). */
    public static final Set<MachineState> HELD = EnumSet.of(LEASED, POWERING, NETBOOTING, DEPLOYING, BOOTING_OS,
            READY);

    private static final Map<MachineState, Set<MachineState>> NEXT = Map.ofEntries(
            Map.entry(AVAILABLE, EnumSet.of(LEASED, QUARANTINED, CLEANING)),
            // A restart during a phase starts the deploy again from LEASED.
            Map.entry(LEASED, EnumSet.of(POWERING, RELEASING, FAILED)),
            Map.entry(POWERING, EnumSet.of(NETBOOTING, LEASED, RELEASING, FAILED)),
            Map.entry(NETBOOTING, EnumSet.of(DEPLOYING, LEASED, RELEASING, FAILED)),
            Map.entry(DEPLOYING, EnumSet.of(BOOTING_OS, LEASED, RELEASING, FAILED)),
            Map.entry(BOOTING_OS, EnumSet.of(READY, RELEASING, FAILED)),
            Map.entry(READY, EnumSet.of(RELEASING, FAILED)),
            Map.entry(RELEASING, EnumSet.of(CLEANING, FAILED)),
            Map.entry(CLEANING, EnumSet.of(AVAILABLE, CLEANING, FAILED)),
            Map.entry(FAILED, EnumSet.of(CLEANING, QUARANTINED, FAILED)),
            Map.entry(QUARANTINED, EnumSet.of(CLEANING, AVAILABLE)));

    public boolean canMoveTo(MachineState next) {
        return NEXT.get(this).contains(next);
    }

    public boolean held() {
        return HELD.contains(this);
    }

    /** The name on the wire and in the store: {@code booting-os}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static MachineState fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    @Override
    public String toString() {
        return wireName();
    }
}
