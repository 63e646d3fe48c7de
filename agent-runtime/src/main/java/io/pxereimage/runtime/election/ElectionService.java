package io.pxereimage.runtime.election;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs the {@link Elector} on the network: one thread, one UDP socket on {@code 0.0.0.0:port} (broadcasts only
 * reach wildcard sockets), announcements to the subnet's directed broadcast address every interval and at once on
 * every role change. Bad datagrams are dropped and counted; nothing received ends the loop.
 *
 * <p>{@link #answering()} is what the DHCP responder asks before answering a client; it is a volatile read.
 */
public final class ElectionService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ElectionService.class);
    /** Clock resolution of the loop: timers fire at most this late. */
    static final int TICK_MILLIS = 100;

    private final ElectionSettings settings;
    private final ElectionCodec codec;
    private final BooleanSupplier busy;
    private final ElectionMetrics metrics;
    private final Elector elector;
    private final long epoch = System.currentTimeMillis();
    private volatile Role role = Role.STANDBY;
    private volatile boolean busyNow;
    private volatile ElectionStatus status;
    private volatile boolean running;
    private DatagramSocket socket;
    private Thread thread;
    private long seq;
    private long nextAnnounce;

    /**
     * @param key the shared key (at least 16 bytes; kept only inside the codec, never logged)
     * @param busy whether a boot or transfer is in progress here (asked every tick, on the election thread)
     */
    public ElectionService(ElectionSettings settings, byte[] key, BooleanSupplier busy, MeterRegistry meters) {
        this.settings = settings;
        this.codec = new ElectionCodec(key);
        this.busy = busy;
        this.elector = new Elector(settings, epoch, now());
        this.metrics = new ElectionMetrics(meters, () -> role, () -> busyNow);
        this.status = snapshot(now());
    }

    /** Binds the port and starts the election thread; throws if the port is taken. */
    public synchronized void start() throws IOException {
        DatagramSocket s = new DatagramSocket(null);
        s.setReuseAddress(true);
        s.setBroadcast(true);
        s.setSoTimeout(TICK_MILLIS);
        try {
            s.bind(new InetSocketAddress(settings.port()));
        } catch (SocketException e) {
            s.close();
            throw new IOException("election: cannot bind UDP port " + settings.port() + ": " + e.getMessage(), e);
        }
        socket = s;
        running = true;
        thread = new Thread(this::loop, "pxe-election");
        thread.setDaemon(true);
        thread.start();
        LOG.info("election on {} port {}: id {} ({}), weight {}, wait {} ms, announce every {} ms, peer gone after"
                + " {} ms; answering no PXE client until elected", settings.subnet(), settings.port(),
                Long.toUnsignedString(settings.id()), settings.address().getHostAddress(), settings.weight(),
                settings.waitMillis(), settings.intervalMillis(), settings.deadAfterMillis());
    }

    /** Whether this runtime answers PXE/DHCP clients now: only as the responder. */
    public boolean answering() {
        return role == Role.RESPONDER;
    }

    public Role role() {
        return role;
    }

    public ElectionStatus status() {
        return status;
    }

    private void loop() {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        List<Elector.Transition> changes = new ArrayList<>();
        while (running) {
            try {
                p.setLength(buf.length);
                boolean got;
                try {
                    socket.receive(p);
                    got = true;
                } catch (SocketTimeoutException e) {
                    got = false;
                }
                long now = now();
                if (got) {
                    receive(p, now, changes);
                }
                busyNow = busy.getAsBoolean();
                elector.tick(now, busyNow, changes);
                publish(now, changes);
            } catch (IOException e) {
                if (running) {
                    LOG.warn("election: receive failed ({}); continuing", e.toString());
                    sleep();
                }
            } catch (RuntimeException e) {
                LOG.warn("election: unexpected error (the election keeps running)", e);
                sleep();
            }
        }
    }

    private void receive(DatagramPacket p, long now, List<Elector.Transition> changes) {
        byte[] bytes = Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
        Announcement a;
        try {
            a = codec.decode(bytes);
        } catch (ElectionCodecException e) {
            metrics.message(e.kind().name().toLowerCase(Locale.ROOT));
            // debug only: a stranger must not be able to fill the log
            LOG.debug("election: dropped {} bytes from {}: {}", bytes.length, p.getSocketAddress(), e.getMessage());
            return;
        }
        Elector.Outcome o = elector.receive(a, now, changes);
        metrics.message(o.name().toLowerCase(Locale.ROOT));
        if (o == Elector.Outcome.DUPLICATE_ID) {
            LOG.warn("election: {} announces our id {}: ids must be unique on the subnet",
                    a.address().getHostAddress(), Long.toUnsignedString(a.id()));
        }
    }

    /** Logs role changes and announces on a change or when the interval is up. */
    private void publish(long now, List<Elector.Transition> changes) {
        boolean changed = !changes.isEmpty();
        for (Elector.Transition t : changes) {
            LOG.info("election: {} -> {}: {}", t.from().wire(), t.to().wire(), t.reason());
            metrics.roleChange(t.to());
        }
        changes.clear();
        role = elector.role();
        if (changed || now >= nextAnnounce) {
            announce(now);
        }
        status = snapshot(now);
    }

    private void announce(long now) {
        nextAnnounce = now + settings.intervalMillis();
        send(elector.announcement(seq));
    }

    private void send(Announcement a) {
        byte[] out = codec.encode(a);
        seq = (seq + 1) & 0xffffffffL;
        try {
            socket.send(new DatagramPacket(out, out.length, settings.subnet().broadcast(), settings.port()));
            metrics.sent(true);
        } catch (IOException e) {
            // the link is down (cut off): peers see our silence, which is the point; keep trying
            metrics.sent(false);
            LOG.debug("election: announce failed: {}", e.toString());
        }
    }

    private ElectionStatus snapshot(long now) {
        List<ElectionStatus.Member> peers = new ArrayList<>();
        for (Elector.Peer p : elector.peers()) {
            peers.add(ElectionStatus.Member.of(p.last(), now - p.heardAt(), elector.alive(p, now)));
        }
        Announcement r = elector.responder(now);
        ElectionStatus.Member responder = null;
        if (r != null) {
            Elector.Peer heard = elector.peers().stream().filter(p -> p.last().id() == r.id()).findFirst()
                    .orElse(null);
            responder = ElectionStatus.Member.of(r, heard == null ? 0 : now - heard.heardAt(), true);
        }
        return new ElectionStatus(settings.subnet().toString(), settings.port(), elector.role().wire(),
                now - elector.roleSince(), ElectionStatus.Member.of(elector.announcement(0), 0, true), responder,
                peers, settings.waitMillis(), settings.intervalMillis(), settings.deadAfterMillis(),
                settings.failoverMillis());
    }

    private void sleep() {
        try {
            Thread.sleep(TICK_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static long now() {
        return System.nanoTime() / 1_000_000;
    }

    /**
     * Stops the election. A responder says goodbye (one standby announcement) so that a successor starts its wait
     * at once instead of after {@code deadAfter} of silence.
     */
    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (socket != null) {
            if (role == Role.RESPONDER && !thread.isAlive()) {
                Announcement last = elector.announcement(seq);
                role = Role.STANDBY;
                send(new Announcement(last.subnet(), last.id(), last.address(), last.weight(), Role.STANDBY,
                        last.busy(), last.epoch(), last.seq()));
                LOG.info("election: responder -> standby: stopping");
            }
            socket.close();
        }
        role = Role.STANDBY;
    }
}
