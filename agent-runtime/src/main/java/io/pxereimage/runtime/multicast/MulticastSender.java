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
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * authenticated receivers, then slice by slice data, STATUS_REQ and NAK-driven repair, then the DONE handshake.
 * The protocol runs on the calling thread; Netty only moves datagrams (answers reach that thread through a queue).
 */
public final class MulticastSender {
    private static final Logger log = LoggerFactory.getLogger(MulticastSender.class);

    /**
     * @param tokens job token per expected receiver id: only these may register
     * @param minReceivers start rule: start with at least this many once {@code maxWait} passed (all expected
     *        receivers registered starts at once)
     * @param phaseTimeout a receiver silent this long in a phase is dropped, so it cannot hold the others
     */
    public record Config(Path image, byte[] sha256, InetSocketAddress control, InetSocketAddress data,
            NetworkInterface iface, int blockSize, int sliceBlocks, long rateBytesPerSecond,
            Map<Long, byte[]> tokens, int minReceivers, Duration maxWait, Duration phaseTimeout) {
    }

    /** One receiver's outcome: verified means its DONE_ACK said the whole-image SHA-256 matched. */
    public record ReceiverOutcome(long id, int index, boolean verified, String failure) {
    }

    /** The session's figures. */
    public record Report(long session, long imageBytes, long dataPackets, long repairPackets, long nanos,
            List<ReceiverOutcome> receivers, long malformed, long rejected) {
        public double mibPerSecond() {
            return imageBytes / (1024.0 * 1024.0) / (nanos / 1e9);
        }
    }

    private record Inbound(Packet packet, InetSocketAddress from) {
    }

    private static final class Receiver {
        final long id;
        final int index;
        InetSocketAddress address;
        boolean dropped;
        String failure;
        Boolean verified;
        long lastHeard;

        Receiver(long id, int index, InetSocketAddress address) {
            this.id = id;
            this.index = index;
            this.address = address;
            this.lastHeard = System.nanoTime();
        }
    }

    private final Config config;
    private final long session = new SecureRandom().nextLong();
    private final long hashPrefix;
    private final BlockingQueue<Inbound> inbound = new LinkedBlockingQueue<>();
    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private final RoundTrip rtt = new RoundTrip(2_000_000L, 1_000_000_000L);
    private final long epoch = System.nanoTime();
    private volatile long malformed;
    private long rejected;
    private long dataPackets;
    private long repairPackets;
    private int sequence;
    private boolean admitting = true;
    private Channel channel;

    public MulticastSender(Config config) {
        if (config.tokens().isEmpty() || config.tokens().size() > MulticastCodec.MAX_RECEIVERS) {
            throw new IllegalArgumentException("a session has 1 to " + MulticastCodec.MAX_RECEIVERS
                    + " receivers, not " + config.tokens().size());
        }
        this.config = config;
        this.hashPrefix = Header.hashPrefix(config.sha256());
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
            log.info("multicast session {}: {} bytes, {} receivers expected, transport {}, rate cap {} B/s",
                    Long.toHexString(session), size, config.tokens().size(), transport.name(),
                    config.rateBytesPerSecond());
            Packet.Announce announce = new Packet.Announce(header(PacketType.ANNOUNCE, 0), size, config.blockSize(),
                    config.sliceBlocks(), config.data().getAddress().getAddress(), config.data().getPort(),
                    config.rateBytesPerSecond(), 0);
            admit(announce);
            admitting = false;
            long start = System.nanoTime();
            Pacer pacer = new Pacer(config.rateBytesPerSecond());
            for (int slice = 0; slice < announce.sliceCount(); slice++) {
                sendSlice(file, announce, slice, pacer);
            }
            finish();
            long nanos = System.nanoTime() - start;
            List<ReceiverOutcome> outcomes = new ArrayList<>();
            for (Receiver r : receivers.values()) {
                outcomes.add(new ReceiverOutcome(r.id, r.index, Boolean.TRUE.equals(r.verified),
                        r.failure != null ? r.failure : Boolean.FALSE.equals(r.verified) ? "image hash mismatch"
                                : null));
            }
            Report report = new Report(session, size, dataPackets, repairPackets, nanos, outcomes, malformed,
                    rejected);
            log.info("multicast session {} done: {} MiB/s, {} data + {} repair packets, receivers {}",
                    Long.toHexString(session), String.format("%.1f", report.mibPerSecond()), dataPackets,
                    repairPackets, outcomes);
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
                send(new Packet.Announce(header(PacketType.ANNOUNCE, 0), template.imageSize(), template.blockSize(),
                        template.sliceBlocks(), template.dataGroup(), template.dataPort(),
                        template.rateBytesPerSecond(), now - epoch), config.control());
                nextAnnounce = now + 100_000_000L;
            }
            Inbound in = inbound.poll(Math.max(1, nextAnnounce - now), TimeUnit.NANOSECONDS);
            if (in != null) {
                feedback(in);
            }
        }
    }

    /**
     * Handles a packet that is no answer to the current question: REGISTER (also late, when a REGISTER_ACK was
     * lost) and anything else, which is dropped. Returns the receiver an answer came from, if it is one of ours.
     */
    private Receiver feedback(Inbound in) {
        Packet p = in.packet();
        if (p.header().session() != session || p.header().hashPrefix() != hashPrefix) {
            rejected++;
            return null;
        }
        if (p instanceof Packet.Register reg) {
            byte[] token = config.tokens().get(reg.receiverId());
            if (token == null || !MulticastCodec.verify(reg, token)) {
                rejected++;
                log.warn("multicast session {}: REGISTER from {} rejected (unknown receiver or bad token)",
                        Long.toHexString(session), in.from());
                return null;
            }
            Receiver r = receivers.get(reg.receiverId());
            if (r == null && !admitting) {
                rejected++; // late joiners wait for the next session (or, later, take the image over HTTP)
                log.info("multicast session {}: receiver {} registered late, not admitted", Long.toHexString(session),
                        reg.receiverId());
                return null;
            }
            if (r == null) {
                r = new Receiver(reg.receiverId(), receivers.size(), in.from());
                receivers.put(r.id, r);
                log.info("multicast session {}: receiver {} registered from {} as {}", Long.toHexString(session),
                        r.id, in.from(), r.index);
            }
            r.address = in.from();
            r.lastHeard = System.nanoTime();
            if (reg.echoNanos() != 0) {
                rtt.sample(System.nanoTime() - epoch - reg.echoNanos());
            }
            send(new Packet.RegisterAck(header(PacketType.REGISTER_ACK, 0), r.id, r.index, reg.echoNanos()),
                    in.from());
            return null;
        }
        return receiverAt(in);
    }

    private Receiver receiverAt(Inbound in) {
        Packet p = in.packet();
        int index = p instanceof Packet.Status s ? s.index() : p instanceof Packet.DoneAck d ? d.index() : -1;
        for (Receiver r : receivers.values()) {
            // the answer comes from the receiver's data socket, its REGISTER from its control socket: same host
            if (r.index == index && r.address.getAddress().equals(in.from().getAddress())) {
                r.lastHeard = System.nanoTime();
                return r;
            }
        }
        rejected++;
        return null;
    }

    private void sendSlice(FileChannel file, Packet.Announce a, int slice, Pacer pacer)
            throws IOException, InterruptedException {
        long first = (long) slice * a.sliceBlocks();
        int n = (int) Math.min(a.sliceBlocks(), a.blockCount() - first);
        for (int b = 0; b < n; b++) {
            sendBlock(file, a, slice, b, pacer);
            dataPackets++;
        }
        byte[] answered = new byte[(receivers.size() + 7) / 8];
        long phaseStart = System.nanoTime();
        int silentRounds = 0;
        while (true) {
            List<Receiver> pending = new ArrayList<>();
            for (Receiver r : receivers.values()) {
                if (!r.dropped && !MulticastCodec.bit(answered, r.index)) {
                    pending.add(r);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            long asked = System.nanoTime();
            send(new Packet.Request(header(PacketType.STATUS_REQ, slice), asked - epoch, answered), config.data());
            BitSet missing = new BitSet(n);
            Map<Receiver, Boolean> heard = new HashMap<>();
            long deadline = asked + backoff(rtt.rto(), silentRounds);
            while (heard.size() < pending.size()) {
                long wait = deadline - System.nanoTime();
                Inbound in = wait > 0 ? inbound.poll(wait, TimeUnit.NANOSECONDS) : null;
                if (in == null) {
                    break;
                }
                Receiver r = feedback(in);
                if (r == null || !(in.packet() instanceof Packet.Status s) || s.header().slice() != slice
                        || !pending.contains(r)) {
                    continue;
                }
                rtt.sample(System.nanoTime() - epoch - s.echoNanos());
                heard.put(r, s.ok());
                if (s.ok()) {
                    MulticastCodec.set(answered, r.index);
                } else {
                    byte[] bits = s.missing();
                    for (int i = 0; i < n; i++) {
                        if (MulticastCodec.bit(bits, i)) {
                            missing.set(i);
                        }
                    }
                }
            }
            silentRounds = heard.isEmpty() ? silentRounds + 1 : 0;
            // repair: the union of every NAK, once, to the whole group
            for (int b = missing.nextSetBit(0); b >= 0; b = missing.nextSetBit(b + 1)) {
                sendBlock(file, a, slice, b, pacer);
                repairPackets++;
            }
            dropSilent(pending, heard, phaseStart, "slice " + slice);
        }
    }

    /** Rounds nobody answered double the wait (up to 1 s): a dead receiver must not turn into a request storm. */
    private static long backoff(long rto, int silentRounds) {
        return Math.min(1_000_000_000L, rto << Math.min(silentRounds, 10));
    }

    /** A receiver not heard from for {@code phaseTimeout} leaves the session, so it cannot hold the others. */
    private void dropSilent(List<Receiver> pending, Map<Receiver, Boolean> heard, long phaseStart, String phase) {
        long now = System.nanoTime();
        for (Receiver r : pending) {
            if (!heard.containsKey(r) && now - Math.max(r.lastHeard, phaseStart) > config.phaseTimeout().toNanos()) {
                r.dropped = true;
                r.failure = "silent for " + config.phaseTimeout() + " in " + phase;
                log.warn("multicast session {}: receiver {} dropped: {}", Long.toHexString(session), r.id, r.failure);
            }
        }
    }

    private final ByteBuffer block = ByteBuffer.allocate(MulticastCodec.MAX_BLOCK);

    private void sendBlock(FileChannel file, Packet.Announce a, int slice, int b, Pacer pacer) throws IOException {
        long pos = ((long) slice * a.sliceBlocks() + b) * a.blockSize();
        block.clear().limit((int) Math.min(a.blockSize(), a.imageSize() - pos));
        while (block.hasRemaining()) {
            if (file.read(block, pos + block.position()) < 0) {
                throw new IOException("image shrank while sending: " + config.image());
            }
        }
        byte[] payload = new byte[block.flip().remaining()];
        block.get(payload);
        pacer.pace(payload.length + Header.LENGTH + 4 + 28, this::flush);
        send(new Packet.Data(header(PacketType.DATA, slice), b, payload), config.data());
    }

    /** DONE until every active receiver answered DONE_ACK, then a last DONE naming them all releases them. */
    private void finish() throws InterruptedException {
        byte[] answered = new byte[(receivers.size() + 7) / 8];
        long phaseStart = System.nanoTime();
        int silentRounds = 0;
        while (true) {
            List<Receiver> pending = new ArrayList<>();
            for (Receiver r : receivers.values()) {
                if (!r.dropped && r.verified == null) {
                    pending.add(r);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            long asked = System.nanoTime();
            send(new Packet.Request(header(PacketType.DONE, 0), asked - epoch, answered), config.data());
            Map<Receiver, Boolean> heard = new HashMap<>();
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
                    r.verified = d.verified();
                    heard.put(r, d.verified());
                    MulticastCodec.set(answered, r.index);
                }
            }
            silentRounds = heard.isEmpty() ? silentRounds + 1 : 0;
            dropSilent(pending, heard, phaseStart, "DONE");
        }
        for (int i = 0; i < 3; i++) {
            send(new Packet.Request(header(PacketType.DONE, 0), System.nanoTime() - epoch, answered), config.data());
        }
    }

    private Header header(PacketType type, int slice) {
        return new Header(type, session, hashPrefix, slice, sequence++ & Integer.MAX_VALUE);
    }

    private final List<DatagramPacket> batch = new ArrayList<>();

    /** Queues a packet; DATA goes out in batches (one event-loop task each), anything else at once. */
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
