package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * The addresses a full DHCP server hands out: one contiguous range, minus the server's own address and the
 * addresses reserved for given MACs (which only those MACs get). Thread-safe: every operation is a few array and
 * hash-map steps under one lock, far below a microsecond, so the lock is not the bottleneck at perfdhcp rates.
 *
 * <p>Leases are keyed by chaddr, not by client identifier (61). <b>Deviation</b> from RFC 2131 4.2: firmware,
 * iPXE and the booted OS send different client identifiers for the same NIC; keying by MAC keeps one address per
 * machine through the whole boot chain (dnsmasq does the same for PXE clients).
 *
 * <p>An address whose lease expired or was released remembers its last owner, and that client gets it back if
 * it is still free. Offers are held for {@code offerHold}; declined addresses are unusable for
 * {@code declineHold}. Bound leases go to the {@link LeaseStore}; offers are not persisted.
 */
public final class LeasePool implements AutoCloseable {

    /**
     * @param start first address of the range, inclusive
     * @param end last address, inclusive, same subnet
     * @param server this server's address, never handed out (may be outside the range)
     * @param reservations fixed addresses by MAC, inside or outside the range
     * @param leaseTime lease length for bound leases
     * @param offerHold how long an offered address stays held for a REQUEST
     * @param declineHold how long a declined address stays out of use
     */
    public record Config(Inet4Address start, Inet4Address end, Inet4Address server,
                         Map<MacAddress, Inet4Address> reservations, Duration leaseTime, Duration offerHold,
                         Duration declineHold) {
        public Config {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            reservations = Map.copyOf(reservations == null ? Map.of() : reservations);
            leaseTime = leaseTime == null ? Duration.ofHours(1) : leaseTime;
            offerHold = offerHold == null ? Duration.ofSeconds(30) : offerHold;
            declineHold = declineHold == null ? Duration.ofMinutes(10) : declineHold;
            long size = (Ip4.toInt(end) & 0xffffffffL) - (Ip4.toInt(start) & 0xffffffffL) + 1;
            if (size < 1 || size > (1 << 20)) {
                throw new IllegalArgumentException("range " + start.getHostAddress() + ".." + end.getHostAddress()
                        + " must hold 1..1048576 addresses");
            }
        }

        public static Config of(Inet4Address start, Inet4Address end, Inet4Address server, Duration leaseTime) {
            return new Config(start, end, server, Map.of(), leaseTime, null, null);
        }
    }

    /** The outcome of a REQUEST: bind and ACK, or NAK with a reason for the log. */
    public sealed interface Result {
        record Ack(Lease lease) implements Result {
        }

        record Nak(String reason) implements Result {
        }
    }

    private enum SlotState { OFFERED, BOUND, DECLINED, EXCLUDED }

    /** One address outside its free state. {@code mac} stays set after release/expiry: the affinity memory. */
    private static final class Slot {
        SlotState state;
        MacAddress mac;
        long expires;
    }

    private final Config config;
    private final Clock clock;
    private final LeaseStore store;
    private final long base;
    private final int size;
    private final Slot[] slots;
    /** The slot each MAC last held (may be stale: check {@code slots[i].mac}). */
    private final Map<MacAddress, Integer> byMac = new HashMap<>();
    private final Map<Integer, MacAddress> reservedAt = new HashMap<>();
    private int cursor;

    public LeasePool(Config config, Clock clock, LeaseStore store) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.base = Ip4.toInt(config.start()) & 0xffffffffL;
        this.size = (int) ((Ip4.toInt(config.end()) & 0xffffffffL) - base + 1);
        this.slots = new Slot[size];
        if (config.server() != null) {
            exclude(index(config.server()));
        }
        config.reservations().forEach((mac, addr) -> {
            int i = index(addr);
            if (i >= 0) {
                reservedAt.put(i, mac);
            }
        });
        long now = clock.millis();
        for (Lease l : store.load()) {
            int i = index(l.address());
            if (i >= 0 && l.expires().toEpochMilli() > now && usableBy(i, l.mac(), now)) {
                take(i, l.mac(), SlotState.BOUND, l.expires().toEpochMilli());
            }
        }
    }

    public Config config() {
        return config;
    }

    /**
     * Picks and holds an address for a DISCOVER: the client's current lease, its reservation, the address it asked
     * for (option 50), its previous address, else the next free one. Empty when the pool is exhausted.
     */
    public synchronized Optional<Lease> offer(MacAddress mac, Inet4Address requested) {
        long now = clock.millis();
        Integer held = current(mac, now);
        if (held != null) {
            Slot s = slots[held];
            if (s.state == SlotState.OFFERED) {
                s.expires = now + config.offerHold().toMillis();
            }
            return Optional.of(lease(held));
        }
        Inet4Address fixed = config.reservations().get(mac);
        int pick = fixed != null ? index(fixed) : -1;
        if (fixed != null && pick < 0) {
            return Optional.empty(); // reserved outside the range: not ours to lease dynamically
        }
        if (pick < 0 && requested != null) {
            int i = index(requested);
            pick = i >= 0 && usableBy(i, mac, now) ? i : -1;
        }
        if (pick < 0) {
            Integer prev = byMac.get(mac);
            pick = prev != null && usableBy(prev, mac, now) ? prev : -1;
        }
        if (pick < 0) {
            pick = scan(mac, now);
        }
        if (pick < 0) {
            return Optional.empty();
        }
        take(pick, mac, SlotState.OFFERED, now + config.offerHold().toMillis());
        return Optional.of(lease(pick));
    }

    /**
     * Binds {@code address} to {@code mac} for a REQUEST (SELECTING, INIT-REBOOT, RENEWING or REBINDING: the
     * caller passes option 50 or ciaddr). ACK when the client holds it, or it is free; NAK otherwise.
     */
    public synchronized Result request(MacAddress mac, Inet4Address address) {
        long now = clock.millis();
        int i = index(address);
        if (i < 0) {
            return new Result.Nak(address.getHostAddress() + " is not in this server's range");
        }
        if (!usableBy(i, mac, now)) {
            Slot s = slots[i];
            return new Result.Nak(address.getHostAddress() + (s != null && s.state == SlotState.EXCLUDED
                    ? " is not leasable" : s != null && s.state == SlotState.DECLINED ? " was declined"
                    : reservedAt.containsKey(i) ? " is reserved for another client" : " is leased to another client"));
        }
        Inet4Address fixed = config.reservations().get(mac);
        if (fixed != null && !fixed.equals(address)) {
            return new Result.Nak("client has the reserved address " + fixed.getHostAddress());
        }
        take(i, mac, SlotState.BOUND, now + config.leaseTime().toMillis());
        Lease lease = lease(i);
        store.bound(lease);
        return new Result.Ack(lease);
    }

    /** DECLINE: the client found {@code address} in use; keep it out of the pool for {@code declineHold}. */
    public synchronized boolean decline(MacAddress mac, Inet4Address address) {
        int i = index(address);
        long now = clock.millis();
        if (i < 0 || !holds(i, mac, now)) {
            return false;
        }
        Slot s = slots[i];
        s.state = SlotState.DECLINED;
        s.mac = null;
        s.expires = now + config.declineHold().toMillis();
        byMac.remove(mac);
        store.freed(mac, address);
        return true;
    }

    /** RELEASE: the address is free again (and remembered as this client's previous one). */
    public synchronized boolean release(MacAddress mac, Inet4Address address) {
        int i = index(address);
        long now = clock.millis();
        if (i < 0 || !holds(i, mac, now)) {
            return false;
        }
        slots[i].expires = now; // expired = free; mac stays for affinity
        store.freed(mac, address);
        return true;
    }

    /** The client's current offer or lease. */
    public synchronized Optional<Lease> lease(MacAddress mac) {
        Integer i = current(mac, clock.millis());
        return i == null ? Optional.empty() : Optional.of(lease(i));
    }

    /** Whether {@code address} falls in the range (whatever its state). */
    public boolean inRange(Inet4Address address) {
        return index(address) >= 0;
    }

    /** Bound, unexpired leases. */
    public synchronized List<Lease> boundLeases() {
        long now = clock.millis();
        List<Lease> l = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Slot s = slots[i];
            if (s != null && s.state == SlotState.BOUND && s.expires > now) {
                l.add(lease(i));
            }
        }
        return l;
    }

    public int activeLeases() {
        return boundLeases().size();
    }

    @Override
    public void close() {
        store.close();
    }

    // ---- internals, all called under the lock ----

    private int index(Inet4Address a) {
        long off = (Ip4.toInt(a) & 0xffffffffL) - base;
        return off >= 0 && off < size ? (int) off : -1;
    }

    private Inet4Address address(int i) {
        return Ip4.of((int) (base + i));
    }

    private Lease lease(int i) {
        Slot s = slots[i];
        return new Lease(s.mac, address(i), s.state == SlotState.BOUND ? Lease.State.BOUND : Lease.State.OFFERED,
                Instant.ofEpochMilli(s.expires));
    }

    private void exclude(int i) {
        if (i >= 0) {
            Slot s = new Slot();
            s.state = SlotState.EXCLUDED;
            slots[i] = s;
        }
    }

    /** The slot {@code mac} holds now (offered or bound, unexpired), else null. */
    private Integer current(MacAddress mac, long now) {
        Integer i = byMac.get(mac);
        return i != null && holds(i, mac, now) ? i : null;
    }

    private boolean holds(int i, MacAddress mac, long now) {
        Slot s = slots[i];
        return s != null && mac.equals(s.mac) && (s.state == SlotState.OFFERED || s.state == SlotState.BOUND)
                && s.expires > now;
    }

    /** Free for {@code mac}: its own, or nobody's now, and not reserved for someone else. */
    private boolean usableBy(int i, MacAddress mac, long now) {
        MacAddress owner = reservedAt.get(i);
        if (owner != null && !owner.equals(mac)) {
            return false;
        }
        Slot s = slots[i];
        if (s == null || mac.equals(s.mac) && s.state != SlotState.EXCLUDED) {
            return true;
        }
        return s.state != SlotState.EXCLUDED && s.expires <= now;
    }

    /** Next free slot from the cursor: never-used or nobody's-history first, else any expired one. */
    private int scan(MacAddress mac, long now) {
        int fallback = -1;
        for (int n = 0; n < size; n++) {
            int i = (cursor + n) % size;
            if (reservedAt.containsKey(i) || !usableBy(i, mac, now)) {
                continue;
            }
            Slot s = slots[i];
            if (s == null || s.mac == null) {
                cursor = (i + 1) % size;
                return i;
            }
            if (fallback < 0) {
                fallback = i;
            }
        }
        if (fallback >= 0) {
            cursor = (fallback + 1) % size;
        }
        return fallback;
    }

    private void take(int i, MacAddress mac, SlotState state, long expires) {
        Integer old = byMac.get(mac);
        if (old != null && old != i && holds(old, mac, clock.millis())) {
            Slot o = slots[old];
            if (o.state == SlotState.BOUND) {
                store.freed(mac, address(old));
            }
            o.expires = 0; // one address per client: moving frees the old one
        }
        Slot s = slots[i];
        if (s == null) {
            s = new Slot();
            slots[i] = s;
        } else if (s.mac != null && !s.mac.equals(mac)) {
            byMac.remove(s.mac, i);
        }
        s.state = state;
        s.mac = mac;
        s.expires = expires;
        byMac.put(mac, i);
    }
}
