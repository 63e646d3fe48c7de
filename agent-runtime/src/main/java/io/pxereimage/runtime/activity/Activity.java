package io.pxereimage.runtime.activity;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import io.pxereimage.runtime.concurrent.Recent;
import io.pxereimage.runtime.net.MacAddress;

/**
 * What the boot servers did recently, in one line each: DHCP answers, TFTP transfers, boot scripts and files
 * served over HTTP. A ring of the last {@value #CAPACITY} entries for {@code GET /api/v1/activity}, and listeners
 * for the live stream. Only servers and handlers record (never a codec); a record is a few map operations, cheap
 * enough for a network thread.
 *
 * <p>TFTP and HTTP see an IP address, not a MAC: the DHCP side tells which MAC holds which address
 * ({@link #address}), so their entries name the machine too when it was seen.
 */
public final class Activity {
    public static final int CAPACITY = 500;
    /** Addresses remembered for TFTP/HTTP entries; the oldest is forgotten first. */
    static final int ADDRESSES = 4096;

    public enum Kind { DHCP, TFTP, HTTP;
        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One entry; {@code machine} and {@code mac} are null when unknown. */
    public record Entry(Instant time, Kind kind, String machine, String mac, String summary) {
    }

    private final Clock clock;
    private final Recent<Entry> recent = new Recent<>(CAPACITY);
    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
    private final Map<InetAddress, MacAddress> macs = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, MacAddress> eldest) {
            return size() > ADDRESSES;
        }
    };
    private volatile Function<MacAddress, String> names = mac -> null;

    public Activity(Clock clock) {
        this.clock = clock;
    }

    /** How a MAC becomes a machine name (the registry's plans); unknown MACs answer null. */
    public Activity naming(Function<MacAddress, String> machineName) {
        this.names = machineName;
        return this;
    }

    /** The DHCP side saw {@code mac} at {@code address} (an offer, an ack, a request naming it). */
    public synchronized void address(InetAddress address, MacAddress mac) {
        if (address != null && mac != null && !address.isAnyLocalAddress()) {
            macs.put(address, mac);
        }
    }

    /** Records an entry about a known MAC (or {@code null}). */
    public Entry record(Kind kind, MacAddress mac, String summary) {
        String name = null;
        if (mac != null) {
            try {
                name = names.apply(mac);
            } catch (RuntimeException e) {
                name = null; // naming is best effort
            }
        }
        Entry e = new Entry(clock.instant(), kind, name, mac == null ? null : mac.toString(), summary);
        recent.add(e);
        for (Consumer<Entry> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ignored) {
                // a listener's failure is its own
            }
        }
        return e;
    }

    /** Records an entry about a client known only by its address (TFTP, HTTP). */
    public Entry record(Kind kind, InetAddress client, String summary) {
        MacAddress mac;
        synchronized (this) {
            mac = client == null ? null : macs.get(client);
        }
        return record(kind, mac, summary);
    }

    /** The newest {@code limit} entries, newest last. */
    public List<Entry> recent(int limit) {
        return recent.newest(limit);
    }

    /** Told of every entry, on the recording thread (a network thread: must not block). */
    public void addListener(Consumer<Entry> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<Entry> l) {
        listeners.remove(l);
    }
}
