package io.pxereimage.runtime.multicast;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MalformedPacketException;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;
import io.pxereimage.runtime.net.NettyTransport;

/**
 * Sends one image file to the receivers of one multicast session ({@code docs/multicast.md}): announce and admit
 * authenticated receivers, then the slices, pipelined (up to {@link Tuning#window} slices wait for their STATUS
 * answers while the next ones go out; NAK-driven repairs go first), at a rate that follows the slowest active
 * receiver, then the DONE handshake. Receivers that register late are admitted until DONE; a receiver that leaves,
 * is told to leave, or lacks blocks at DONE finishes over HTTP. The protocol runs on the calling thread; Netty only
 * moves datagrams (answers reach that thread through a queue).
 */
public final class MulticastSender {
    private static final Logger log = LoggerFactory.getLogger(MulticastSender.class);

    /**
     * @param tokens job token per expected receiver id: only these may register
     * @param minReceivers start rule: start with at least this many once {@code maxWait} passed (all expected
     *        receivers registered starts at once)
     * @param phaseTimeout a receiver silent this long in a phase is dropped, so it cannot hold the others
     * @param tuning pipelining, rate control and eviction ({@link Tuning#DEFAULT} with the 12-argument constructor)
     */
    public record Config(Path image, byte[] sha256, InetSocketAddress control, InetSocketAddress data,
            NetworkInterface iface, int blockSize, int sliceBlocks, long rateBytesPerSecond,
            Map<Long, byte[]> tokens, int minReceivers, Duration maxWait, Duration phaseTimeout, Tuning tuning) {
        public Config {
            if (tuning == null) {
                throw new IllegalArgumentException("tuning is null (Tuning.DEFAULT?)");
            }
        }

        public Config(Path image, byte[] sha256, InetSocketAddress control, InetSocketAddress data,
                NetworkInterface iface, int blockSize, int sliceBlocks, long rateBytesPerSecond,
                Map<Long, byte[]> tokens, int minReceivers, Duration maxWait, Duration phaseTimeout) {
            this(image, sha256, control, data, iface, blockSize, sliceBlocks, rateBytesPerSecond, tokens,
                    minReceivers, maxWait, phaseTimeout, Tuning.DEFAULT);
        }
    }

    /**
     * @param window slices in flight: sent, their STATUS answers not all in yet (1 = stop and wait per slice)
     * @param minRateBytesPerSecond rate control never goes below this
     * @param congestionLoss a receiver's first answer to a slice missing more than this fraction is congestion: the
     *        rate drops ({@link RateControl})
     * @param evictLoss a receiver whose smoothed loss stays above this fraction is told to leave ({@code TOO_SLOW})
     *        and finishes over HTTP; 0: never
     * @param evictLag a receiver that keeps a slice open this long (while answering: it is alive, but cannot
     *        complete the slice) is told to leave ({@code TOO_SLOW}); zero: never
     */
    public record Tuning(int window, long minRateBytesPerSecond, double congestionLoss, double evictLoss,
            Duration evictLag) {
        public static final Tuning DEFAULT = new Tuning(4, 1 << 20, 0.2, 0.3, Duration.ofSeconds(10));

        public Tuning {
            if (window < 1 || minRateBytesPerSecond <= 0 || congestionLoss <= 0 || evictLoss < 0
                    || evictLag == null || evictLag.isNegative()) {
                throw new IllegalArgumentException("bad multicast tuning: window " + window + ", min rate "
                        + minRateBytesPerSecond + ", congestion loss " + congestionLoss + ", evict loss " + evictLoss
                        + ", evict lag " + evictLag);
            }
        }
    }

    /**
     * One receiver's outcome: verified means its DONE_ACK said the whole-image SHA-256 matched. {@code overHttp}
     * (null unless) says why the receiver finishes over HTTP Range instead: it left, was told to leave, joined late
     * or lacked blocks at DONE. That is no failure of the session; {@code failure} is one (silent, hash mismatch).
     */
    public record ReceiverOutcome(long id, int index, boolean verified, String failure, String overHttp) {
        public ReceiverOutcome(long id, int index, boolean verified, String failure) {
            this(id, index, verified, failure, null);
        }

        public boolean finishesOverHttp() {
            return overHttp != null;
        }
    }

    /**
     * The session's figures. {@code nanos}: from the first DATA to the end of DONE. {@code lowestRate}: the lowest
     * rate control chose (bytes/s, 0 if it never paced), {@code rateDecreases}: congestion events.
     */
    public record Report(long session, long imageBytes, long dataPackets, long repairPackets, long nanos,
            List<ReceiverOutcome> receivers, long malformed, long rejected, long lowestRate, int rateDecreases,
            int lateJoiners, int evicted, int left) {
        public Report(long session, long imageBytes, long dataPackets, long repairPackets, long nanos,
                List<ReceiverOutcome> receivers, long malformed, long rejected) {
            this(session, imageBytes, dataPackets, repairPackets, nanos, receivers, malformed, rejected, 0, 0, 0, 0,
                    0);
        }

        public double mibPerSecond() {
            return imageBytes / (1024.0 * 1024.0) / (nanos / 1e9);
        }
    }

    private record Inbound(Packet packet, InetSocketAddress from) {
    }

    private static final class Receiver {
        final long id;
        final int index;
        /** The first slice this receiver is asked about: 0, or the next one to go out when it joined late. */
        final int fromSlice;
        InetSocketAddress address;
        InetSocketAddress answersFrom;
        boolean dropped;
        String failure;
        String overHttp;
        Packet.DoneResult result;
        long lastHeard;

        Receiver(long id, int index, int fromSlice, InetSocketAddress address) {
            this.id = id;
            this.index = index;
            this.fromSlice = fromSlice;
            this.address = address;
            this.lastHeard = System.nanoTime();
        }

        boolean active() {
            return !dropped && overHttp == null;
        }
    }

    /** A slice that is out and not yet confirmed by every active receiver. */
    private static final class Slice {
        final int index;
        final int blocks;
        final long opened;
        final byte[] answered = new byte[MulticastCodec.MAX_RECEIVERS / 8];
        final Set<Receiver> heard = new HashSet<>();
        final Set<Receiver> reported = new HashSet<>(); // first answers, for rate control
        BitSet missing;
        long repairedAt;
        long roundStart;
        long deadline;
        int silentRounds;

        Slice(int index, int blocks, long opened) {
            this.index = index;
            this.blocks = blocks;
            this.opened = opened;
            this.missing = new BitSet(blocks);
        }
    }

    private final Config config;
    private final Tuning tuning;
    private final long session = new SecureRandom().nextLong();
    private final long hashPrefix;
    private final BlockingQueue<Inbound> inbound = new LinkedBlockingQueue<>();
    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private final RoundTrip rtt = new RoundTrip(2_000_000L, 1_000_000_000L);
    private final long epoch = System.nanoTime();
    private final RateControl rate;
    private final Pacer pacer;
    private volatile long malformed;
    private long rejected;
    private long dataPackets;
    private long repairPackets;
    private int sequence;
    private int lateJoiners;
    private int evicted;
    private int left;
    /** 0 before the slices start (admission), the next slice to go out during them, -1 from DONE on. */
    private int admitFrom;
    private boolean started;
    private Channel channel;
    /** Slices out and not yet confirmed by every active receiver, oldest first. */
    private final ArrayDeque<Slice> open = new ArrayDeque<>();
    /** Bytes sent and when, for the rate actually achieved (rate control's base without a cap). */
    private long meterBytes;
    private long meterStart;
    private long measured;
    /** Time spent waiting for answers with nothing to send (a full window), rounds asked: for the log. */
    private long waited;
    private long rounds;

    public MulticastSender(Config config) {
        if (config.tokens().isEmpty() || config.tokens().size() > MulticastCodec.MAX_RECEIVERS) {
            throw new IllegalArgumentException("a session has 1 to " + MulticastCodec.MAX_RECEIVERS
                    + " receivers, not " + config.tokens().size());
        }
        this.config = config;
        this.tuning = config.tuning();
        this.hashPrefix = Header.hashPrefix(config.sha256());
        long cap = config.rateBytesPerSecond();
        this.rate = new RateControl(cap, cap > 0 ? Math.min(cap, tuning.minRateBytesPerSecond())
                : tuning.minRateBytesPerSecond(), tuning.congestionLoss(), tuning.evictLoss());
        this.pacer = new Pacer(cap);
    }

    public long session() {
        return session;
    }

    public Report run() throws IOException, InterruptedException {
        NettyTransport transport = NettyTransport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        try (FileChannel file = FileChannel.open(config.image())) {
            Inet4Address local = ipv4(config.iface());
            channel = new Bootstrap().group(group).channel(transport.datagramChannel())
                    .option(ChannelOption.IP_MULTICAST_IF, config.iface())
                    .option(ChannelOption.IP_MULTICAST_TTL, 1)
                    .option(ChannelOption.SO_SNDBUF, 4 << 20)
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                            try {
                                inbound.add(new Inbound(MulticastCodec.decode(msg.content().nioBuffer()),
                                        msg.sender()));
                            } catch (MalformedPacketException e) {
                                malformed++;
                            }
                        }
                    })
                    .bind(new InetSocketAddress(local, 0)).sync().channel();
            long size = file.size();
            log.info("multicast session {}: {} bytes, {} receivers expected, transport {}, rate cap {} B/s, {}",
                    Long.toHexString(session), size, config.tokens().size(), transport.name(),
                    config.rateBytesPerSecond(), tuning);
            Packet.Announce announce = new Packet.Announce(header(PacketType.ANNOUNCE, 0), size, config.blockSize(),
                    config.sliceBlocks(), config.data().getAddress().getAddress(), config.data().getPort(),
                    config.rateBytesPerSecond(), 0);
            admit(announce);
            long start = System.nanoTime();
            started = true;
            slices(file, announce);
            admitFrom = -1;
            finish(size);
            long nanos = System.nanoTime() - start;
            List<ReceiverOutcome> outcomes = new ArrayList<>();
            for (Receiver r : receivers.values()) {
                boolean verified = r.result == Packet.DoneResult.VERIFIED && r.overHttp == null;
                String failure = r.failure != null ? r.failure
                        : r.result == Packet.DoneResult.MISMATCH ? "image hash mismatch" : null;
                outcomes.add(new ReceiverOutcome(r.id, r.index, verified, failure, r.overHttp));
            }
            Report report = new Report(session, size, dataPackets, repairPackets, nanos, outcomes, malformed,
                    rejected, rate.lowest(), rate.decreases(), lateJoiners, evicted, left);
            log.info("multicast session {} done: {} MiB/s, {} data + {} repair packets, lowest rate {} B/s after {}"
                    + " decreases, receivers {}", Long.toHexString(session),
                    String.format("%.1f", report.mibPerSecond()), dataPackets, repairPackets, rate.lowest(),
                    rate.decreases(), outcomes);
            return report;
        } finally {
            if (channel != null) {
                channel.close().syncUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Announce until every expected receiver registered, or {@code maxWait} passed with enough of them. */
    private void admit(Packet.Announce template) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + config.maxWait().toNanos();
        long nextAnnounce = 0;
        while (true) {
            long now = System.nanoTime();
            if (receivers.size() == config.tokens().size()) {
                return;
            }
            if (now >= deadline) {
                if (receivers.size() >= config.minReceivers()) {
                    return;
                }
                throw new IOException("only " + receivers.size() + " of the minimum " + config.minReceivers()
                        + " receivers registered within " + config.maxWait());
            }
            if (now >= nextAnnounce) {
                announce(template, now);
                nextAnnounce = now + 100_000_000L;
            }
            Inbound in = inbound.poll(Math.max(1, nextAnnounce - now), TimeUnit.NANOSECONDS);
            if (in != null) {
                feedback(in);
            }
        }
    }

    private void announce(Packet.Announce template, long now) {
        send(new Packet.Announce(header(PacketType.ANNOUNCE, 0), template.imageSize(), template.blockSize(),
                template.sliceBlocks(), template.dataGroup(), template.dataPort(), template.rateBytesPerSecond(),
                now - epoch), config.control());
    }

    /**
     * Handles REGISTER (also late: a lost REGISTER_ACK, or a late joiner) and LEAVE; returns the receiver any other
     * answer came from, if it is one of ours.
     */
    private Receiver feedback(Inbound in) {
        Packet p = in.packet();
        if (p.header().session() != session || p.header().hashPrefix() != hashPrefix) {
            rejected++;
            return null;
        }
        if (p instanceof Packet.Register reg) {
            register(reg, in.from());
            return null;
        }
        Receiver r = receiverAt(in);
        if (r != null && p instanceof Packet.Leave l) {
            if (r.active()) {
                r.overHttp = "left: " + l.reason() + ", finishing over HTTP";
                left++;
                rate.forget(r.index);
                log.info("multicast session {}: receiver {} {}", Long.toHexString(session), r.id, r.overHttp);
            }
            return null;
        }
        return r;
    }

    private void register(Packet.Register reg, InetSocketAddress from) {
        byte[] token = config.tokens().get(reg.receiverId());
        if (token == null || !MulticastCodec.verify(reg, token)) {
            rejected++;
            log.warn("multicast session {}: REGISTER from {} rejected (unknown receiver or bad token)",
                    Long.toHexString(session), from);
            return;
        }
        Receiver r = receivers.get(reg.receiverId());
        if (r == null && admitFrom < 0) {
            rejected++; // DONE has begun: nothing left to join, the receiver takes the image over HTTP
            log.info("multicast session {}: receiver {} registered after DONE, not admitted",
                    Long.toHexString(session), reg.receiverId());
            return;
        }
        if (r == null) {
            r = new Receiver(reg.receiverId(), receivers.size(), admitFrom, from);
            receivers.put(r.id, r);
            if (started) {
                lateJoiners++;
            }
            log.info("multicast session {}: receiver {} registered from {} as {}{}", Long.toHexString(session),
                    r.id, from, r.index, started ? " (late: from slice " + admitFrom + ")" : "");
        }
        r.address = from;
        r.lastHeard = System.nanoTime();
        if (reg.echoNanos() != 0) {
            rtt.sample(System.nanoTime() - epoch - reg.echoNanos());
        }
        send(new Packet.RegisterAck(header(PacketType.REGISTER_ACK, 0), r.id, r.index, reg.echoNanos()), from);
    }

    private Receiver receiverAt(Inbound in) {
        Packet p = in.packet();
        int index = p instanceof Packet.Status s ? s.index() : p instanceof Packet.DoneAck d ? d.index()
                : p instanceof Packet.Leave l ? l.index() : -1;
        for (Receiver r : receivers.values()) {
            // the answer comes from the receiver's data socket, its REGISTER from its control socket: same host
            if (r.index == index && r.address.getAddress().equals(in.from().getAddress())) {
                r.lastHeard = System.nanoTime();
                if (!(p instanceof Packet.Leave)) {
                    r.answersFrom = in.from();
                }
                return r;
            }
        }
        rejected++;
        return null;
    }

    /**
     * The slices, pipelined: data of the next slice goes out while up to {@code window} earlier slices wait for
     * their answers; a slice whose round of answers is complete (or timed out) gets the union of its NAKs resent
     * before any new data, then a new STATUS_REQ.
     */
    private void slices(FileChannel file, Packet.Announce a) throws IOException, InterruptedException {
        int sliceCount = a.sliceCount();
        int next = 0;
        int sentInSlice = 0;
        Slice sending = null;
        long lastAnnounce = 0;
        meterStart = System.nanoTime();
        while (next < sliceCount || sending != null || !open.isEmpty()) {
            drain();
            long now = System.nanoTime();
            if (now - lastAnnounce > 100_000_000L) {
                announce(a, now); // late joiners find the session (admitted until DONE)
                lastAnnounce = now;
            }
            Slice repair = null;
            for (java.util.Iterator<Slice> it = open.iterator(); it.hasNext();) {
                Slice s = it.next();
                if (roundOver(s, now)) {
                    endRound(s, now);
                    if (pending(s).isEmpty()) {
                        it.remove();
                        rate.sliceDone(s.index);
                    } else if (!s.missing.isEmpty() && repair == null) {
                        repair = s;
                    } else if (s.missing.isEmpty()) {
                        ask(s, System.nanoTime()); // only silence: ask again
                    }
                }
            }
            evictLagging(now);
            if (repair != null) {
                BitSet missing = repair.missing;
                repair.missing = new BitSet(repair.blocks);
                repair.repairedAt = System.nanoTime();
                for (int b = missing.nextSetBit(0); b >= 0; b = missing.nextSetBit(b + 1)) {
                    sendBlock(file, a, repair.index, b);
                    repairPackets++;
                }
                ask(repair, System.nanoTime());
                continue;
            }
            if (sending == null && next < sliceCount && open.size() < tuning.window()) {
                long first = (long) next * a.sliceBlocks();
                sending = new Slice(next, (int) Math.min(a.sliceBlocks(), a.blockCount() - first), now);
                sentInSlice = 0;
                rate.sending(next);
                admitFrom = next + 1; // a receiver admitted from now on joins from the next slice
                next++;
            }
            if (sending != null) {
                // a burst of the slice, then look at the answers again
                int end = Math.min(sending.blocks, sentInSlice + 64);
                for (; sentInSlice < end; sentInSlice++) {
                    sendBlock(file, a, sending.index, sentInSlice);
                    dataPackets++;
                }
                if (sentInSlice == sending.blocks) {
                    ask(sending, System.nanoTime());
                    open.add(sending);
                    sending = null;
                }
                continue;
            }
            // the window is full, or everything is out: wait for answers or the earliest round deadline
            flush();
            long wake = Long.MAX_VALUE;
            for (Slice s : open) {
                wake = Math.min(wake, s.deadline);
            }
            long wait = Math.min(wake, lastAnnounce + 100_000_000L) - System.nanoTime();
            long w0 = System.nanoTime();
            Inbound in = wait > 0 ? inbound.poll(wait, TimeUnit.NANOSECONDS) : null;
            waited += System.nanoTime() - w0;
            if (in != null) {
                handle(in);
            }
        }
        flush();
        log.info("multicast session {}: slices sent, {} ms waiting for answers with a full window, {} STATUS_REQ"
                + " rounds, srtt {} us, rate now {} B/s", Long.toHexString(session), waited / 1_000_000, rounds,
                rtt.srtt() / 1000, rate.rate());
    }

    /** Answers that arrived meanwhile, without waiting. */
    private void drain() {
        Inbound in;
        while ((in = inbound.poll()) != null) {
            handle(in);
        }
    }

    private void handle(Inbound in) {
        Receiver r = feedback(in);
        if (r == null || !(in.packet() instanceof Packet.Status st)) {
            return;
        }
        Slice s = null;
        for (Slice o : open) {
            if (o.index == st.header().slice()) {
                s = o;
                break;
            }
        }
        if (s == null || !r.active() || r.fromSlice > s.index || MulticastCodec.bit(s.answered, r.index)) {
            return; // a late answer, or one for a slice this receiver is not asked about
        }
        rtt.sample(System.nanoTime() - epoch - st.echoNanos());
        if (!s.heard.add(r) && !st.ok()) {
            return; // a repeated NAK in this round
        }
        if (st.ok()) {
            MulticastCodec.set(s.answered, r.index); // OK is OK, whichever round it answers
        } else if (st.echoNanos() < s.repairedAt - epoch) {
            // it answers a question asked before the last repair of the slice: its bits may be repaired already;
            // it counts as heard (alive), and the next round asks again
            return;
        }
        int lost = 0;
        byte[] bits = st.missing();
        for (int i = 0; i < s.blocks && !st.ok(); i++) {
            if (MulticastCodec.bit(bits, i)) {
                s.missing.set(i);
                lost++;
            }
        }
        if (s.reported.add(r)) {
            rate.answer(r.index, s.index, lost, s.blocks, measured);
            pacer.rate(rate.rate());
        }
    }

    private List<Receiver> pending(Slice s) {
        List<Receiver> out = new ArrayList<>();
        for (Receiver r : receivers.values()) {
            if (r.active() && r.fromSlice <= s.index && !MulticastCodec.bit(s.answered, r.index)) {
                out.add(r);
            }
        }
        return out;
    }

    private boolean roundOver(Slice s, long now) {
        if (now >= s.deadline) {
            return true;
        }
        for (Receiver r : pending(s)) {
            if (!s.heard.contains(r)) {
                return false;
            }
        }
        return true;
    }

    /** Drops the receivers silent for the phase timeout; rounds nobody answered double the next wait. */
    private void endRound(Slice s, long now) {
        List<Receiver> pending = pending(s);
        boolean anyHeard = false;
        for (Receiver r : pending) {
            anyHeard |= s.heard.contains(r);
        }
        s.silentRounds = anyHeard || pending.isEmpty() ? 0 : s.silentRounds + 1;
        dropSilent(pending, s.heard, s.opened, config.phaseTimeout(), "slice " + s.index);
    }

    private void ask(Slice s, long now) {
        s.heard.clear();
        rounds++;
        s.roundStart = now;
        s.deadline = now + backoff(rtt.rto(), s.silentRounds);
        send(new Packet.Request(header(PacketType.STATUS_REQ, s.index), now - epoch, silent(s.answered, s.index)),
                config.data());
    }

    /**
     * The answered bitmap to send: who answered, plus who is not asked about this slice (gone, or joined after it),
     * so that they stay silent too; as long as the highest receiver index needs.
     */
    private byte[] silent(byte[] answered, int slice) {
        byte[] out = java.util.Arrays.copyOf(answered, (receivers.size() + 7) / 8);
        for (Receiver r : receivers.values()) {
            if (!r.active() || r.fromSlice > slice) {
                MulticastCodec.set(out, r.index);
            }
        }
        return out;
    }

    /**
     * Tells receivers to leave ({@code TOO_SLOW}, they finish over HTTP) that lose far more than the group, or that
     * keep the oldest open slice from completing for {@code evictLag} while answering.
     */
    private void evictLagging(long now) {
        for (int index : rate.lossy()) {
            for (Receiver r : receivers.values()) {
                if (r.index == index && r.active()) {
                    evict(r, String.format("loss %.0f%% above %.0f%%", rate.loss(index) * 100,
                            tuning.evictLoss() * 100));
                }
            }
        }
        Slice oldest = open.peekFirst();
        if (oldest == null || tuning.evictLag().isZero() || now - oldest.opened < tuning.evictLag().toNanos()) {
            return;
        }
        List<Receiver> holding = pending(oldest);
        if (holding.size() < activeCount()) { // one that holds everyone back, not a stall of the whole group
            for (Receiver r : holding) {
                // alive (it answers) but cannot complete; a silent one is dropped after the phase timeout instead
                if (now - r.lastHeard < tuning.evictLag().toNanos() / 4) {
                    evict(r, "slice " + oldest.index + " still incomplete after " + tuning.evictLag());
                }
            }
        }
    }

    private int activeCount() {
        int n = 0;
        for (Receiver r : receivers.values()) {
            n += r.active() ? 1 : 0;
        }
        return n;
    }

    private void evict(Receiver r, String why) {
        r.overHttp = "told to leave (TOO_SLOW: " + why + "), finishing over HTTP";
        evicted++;
        rate.forget(r.index);
        log.warn("multicast session {}: receiver {} {}", Long.toHexString(session), r.id, r.overHttp);
        Packet.Leave leave = new Packet.Leave(header(PacketType.LEAVE, 0), r.index, Packet.LeaveReason.TOO_SLOW);
        for (int i = 0; i < 3; i++) { // unicast, no answer: a few copies against loss
            send(leave, r.address);
            if (r.answersFrom != null && !r.answersFrom.equals(r.address)) {
                send(leave, r.answersFrom);
            }
        }
    }

    /** Rounds nobody answered double the wait (up to 1 s): a dead receiver must not turn into a request storm. */
    private static long backoff(long rto, int silentRounds) {
        return Math.min(1_000_000_000L, rto << Math.min(silentRounds, 10));
    }

    /** A receiver not heard from for {@code phaseTimeout} leaves the session, so it cannot hold the others. */
    private void dropSilent(List<Receiver> pending, Set<Receiver> heard, long phaseStart, Duration limit,
            String phase) {
        long now = System.nanoTime();
        for (Receiver r : pending) {
            if (!heard.contains(r) && now - Math.max(r.lastHeard, phaseStart) > limit.toNanos()) {
                r.dropped = true;
                r.failure = "silent for " + limit + " in " + phase;
                rate.forget(r.index);
                log.warn("multicast session {}: receiver {} dropped: {}", Long.toHexString(session), r.id, r.failure);
            }
        }
    }

    private final ByteBuffer block = ByteBuffer.allocate(MulticastCodec.MAX_BLOCK);

    private void sendBlock(FileChannel file, Packet.Announce a, int slice, int b) throws IOException {
        long pos = ((long) slice * a.sliceBlocks() + b) * a.blockSize();
        block.clear().limit((int) Math.min(a.blockSize(), a.imageSize() - pos));
        while (block.hasRemaining()) {
            if (file.read(block, pos + block.position()) < 0) {
                throw new IOException("image shrank while sending: " + config.image());
            }
        }
        byte[] payload = new byte[block.flip().remaining()];
        block.get(payload);
        int wire = payload.length + Header.LENGTH + 4 + 28;
        pacer.pace(wire, this::flush);
        meter(wire);
        send(new Packet.Data(header(PacketType.DATA, slice), b, payload), config.data());
    }

    /** The rate actually achieved, over windows of at least 50 ms. */
    private void meter(int bytes) {
        meterBytes += bytes;
        long now = System.nanoTime();
        if (now - meterStart >= 50_000_000L) {
            measured = meterBytes * 1_000_000_000L / (now - meterStart);
            meterBytes = 0;
            meterStart = now;
        }
    }

    /**
     * DONE until every active receiver sent DONE_ACK, then a last DONE naming them all releases them. A DONE_ACK
     * INCOMPLETE (a late joiner, holes) means the receiver finishes over HTTP: not a failure.
     */
    private void finish(long imageSize) throws InterruptedException {
        // a receiver reads the image back before its first DONE_ACK (it may block its loop: ~2 s per GiB from the
        // page cache, more from a disk or a busy machine): that silence is no failure
        Duration doneTimeout = config.phaseTimeout().plusSeconds(10 * ((imageSize >> 30) + 1));
        byte[] answered = new byte[(receivers.size() + 7) / 8];
        long phaseStart = System.nanoTime();
        int silentRounds = 0;
        while (true) {
            List<Receiver> pending = new ArrayList<>();
            for (Receiver r : receivers.values()) {
                if (r.active() && r.result == null) {
                    pending.add(r);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            long asked = System.nanoTime();
            send(new Packet.Request(header(PacketType.DONE, 0), asked - epoch, silent(answered, Integer.MAX_VALUE)),
                    config.data());
            Set<Receiver> heard = new HashSet<>();
            // hashing the image takes the receiver a while: at least 20 ms
            long deadline = asked + backoff(Math.max(rtt.rto(), 20_000_000L), silentRounds);
            while (heard.size() < pending.size()) {
                long wait = deadline - System.nanoTime();
                Inbound in = wait > 0 ? inbound.poll(wait, TimeUnit.NANOSECONDS) : null;
                if (in == null) {
                    break;
                }
                Receiver r = feedback(in);
                if (r != null && in.packet() instanceof Packet.DoneAck d && pending.contains(r)) {
                    r.result = d.result();
                    if (d.result() == Packet.DoneResult.INCOMPLETE) {
                        r.overHttp = "incomplete at DONE" + (r.fromSlice > 0 ? " (joined at slice " + r.fromSlice
                                + ")" : "") + ", finishing over HTTP";
                    }
                    heard.add(r);
                    MulticastCodec.set(answered, r.index);
                }
            }
            silentRounds = heard.isEmpty() ? silentRounds + 1 : 0;
            dropSilent(pending, heard, phaseStart, doneTimeout, "DONE");
        }
        for (int i = 0; i < 3; i++) {
            send(new Packet.Request(header(PacketType.DONE, 0), System.nanoTime() - epoch, answered), config.data());
        }
        flush();
    }

    private Header header(PacketType type, int slice) {
        return new Header(type, session, hashPrefix, slice, sequence++ & Integer.MAX_VALUE);
    }

    private final List<DatagramPacket> batch = new ArrayList<>();

    /** Queues a packet; DATA goes out in batches (one event-loop task, one flush each), anything else at once. */
    private void send(Packet p, InetSocketAddress to) {
        batch.add(new DatagramPacket(Unpooled.wrappedBuffer(MulticastCodec.encode(p)), to));
        if (!(p instanceof Packet.Data) || batch.size() >= 32) {
            flush();
        }
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        List<DatagramPacket> out = new ArrayList<>(batch);
        batch.clear();
        CompletableFuture<Void> written = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            ChannelFuture last = null;
            for (DatagramPacket d : out) {
                last = channel.write(d);
            }
            channel.flush();
            last.addListener(f -> written.complete(null));
        });
        if (!channel.isWritable()) {
            written.join(); // the socket's buffer is full: do not queue the image in memory
        }
    }

    private static Inet4Address ipv4(NetworkInterface nif) throws IOException {
        return nif.inetAddresses().filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast)
                .findFirst().orElseThrow(() -> new IOException("no IPv4 address on " + nif.getName()));
    }
}
