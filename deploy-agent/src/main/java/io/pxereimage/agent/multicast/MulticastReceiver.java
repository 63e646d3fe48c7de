package io.pxereimage.agent.multicast;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;

import io.pxereimage.agent.Log;
import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MalformedPacketException;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

/**
 * The receiver of a multicast session ({@code docs/multicast.md}): listens on the control group for an ANNOUNCE of
 * the expected image, registers with its job token, then writes the data group's blocks to a disk (or a file),
 * answers STATUS_REQ and DONE, and verifies the image. It returns, rather than fails, when the rest has to come over
 * HTTP: no ANNOUNCE in time, not admitted, LEAVE from the sender, its own loss above the threshold (it sends LEAVE
 * {@code LOSSY}), a silent sender, or blocks still missing at DONE ({@code INCOMPLETE}).
 */
public final class MulticastReceiver {
    /** How a run ended. */
    public enum Outcome {
        /** Every needed block arrived and the image verified. */
        VERIFIED,
        /** Every needed block arrived and the image did not verify. */
        MISMATCH,
        /** DONE came while blocks were missing: the rest comes over HTTP. */
        INCOMPLETE,
        /** This receiver left (loss above its threshold) and said so with LEAVE. */
        LEFT,
        /** The sender sent LEAVE (too slow, or the session was aborted). */
        TOLD_TO_LEAVE,
        /** No ANNOUNCE of the image within the announce wait. */
        NO_ANNOUNCE,
        /** ANNOUNCEs, but REGISTER was never acknowledged. */
        NOT_ADMITTED,
        /** Nothing from the session for the silence limit, or the overall timeout passed. */
        SILENT
    }

    /** What a run ended with. {@code writtenBytes}: image bytes written from the multicast stream. */
    public record Result(boolean verified, long written, long duplicates, long foreign, long invalid,
            long malformed, long injectedDrops, Outcome outcome, String detail, long writtenBytes) {
        public Result(boolean verified, long written, long duplicates, long foreign, long invalid, long malformed,
                long injectedDrops) {
            this(verified, written, duplicates, foreign, invalid, malformed, injectedDrops,
                    verified ? Outcome.VERIFIED : Outcome.MISMATCH, "", 0);
        }
    }

    /**
     * @param dropEvery test hook: drop every k-th DATA packet before it is handled (0: none), to prove repair
     * @param lossRate test hook: drop this fraction of the session's packets, both ways, at random (where the
     *        kernel has no netem)
     * @param announceWait give up (outcome {@code NO_ANNOUNCE}) without an ANNOUNCE of the image this long; zero:
     *        wait until {@code timeout}
     * @param leaveLoss leave the session (LEAVE {@code LOSSY}) when the loss over a window of
     *        {@value ReceiverSession#LOSS_WINDOW} packets is above this fraction; zero: never
     * @param silence give up (outcome {@code SILENT}) when nothing of the session arrived this long; zero: never
     */
    public record Config(InetSocketAddress control, NetworkInterface iface, long receiverId, byte[] token,
            byte[] sha256, Path out, Duration timeout, int dropEvery, double lossRate, Duration announceWait,
            double leaveLoss, Duration silence) {
        public Config(InetSocketAddress control, NetworkInterface iface, long receiverId, byte[] token,
                byte[] sha256, Path out, Duration timeout, int dropEvery, double lossRate) {
            this(control, iface, receiverId, token, sha256, out, timeout, dropEvery, lossRate, Duration.ZERO, 0,
                    Duration.ZERO);
        }
    }

    /** Where the blocks go: the agent's target disk with its block map and resume state, or a plain file. */
    public interface Disk {
        FileChannel channel();

        /**
         * The bitmap to fill for an announced session: blocks already on disk (resumed) in the announce's block
         * size, the blocks the layout does not need set. Null refuses the session (with a reason logged).
         */
        BlockBitmap open(Packet.Announce announce) throws IOException;

        ImageLayout layout();

        /** Reads the written image back and checks it (once every needed block is there). */
        boolean verify();
    }

    private static final Duration LINGER = Duration.ofSeconds(2);
    /** After the first ANNOUNCE, how long REGISTER may go unanswered before the receiver gives up. */
    private static final Duration ADMISSION = Duration.ofSeconds(5);
    /**
     * A wake-up that found fewer packets than this waits a little before the next select: waking (and being
     * scheduled) once per datagram cost more CPU than receiving it when the sender and several receivers share few
     * cores (docs/performance.md, run D).
     */
    private static final int COALESCE_BELOW = 64;
    /** The longest such wait; also at most the time a quarter of the socket buffer takes to fill at 1 Gbit/s. */
    private static final long COALESCE_MAX_NANOS = 4_000_000;
    private static final long LINE_RATE_BYTES_PER_SECOND = 125_000_000;

    private final Config config;
    private final long hashPrefix;
    private long malformed;
    private long injectedDrops;
    private long dataSeen;
    private final Random random = new Random();

    public MulticastReceiver(Config config) {
        this.config = config;
        this.hashPrefix = Header.hashPrefix(config.sha256());
    }

    /** The whole image into {@code config.out()} (a file); a timeout is an error. */
    public Result run() throws IOException {
        try (FileChannel file = FileChannel.open(config.out(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            Result r = run(file(file, config.sha256()));
            if (r.outcome() != Outcome.VERIFIED && r.outcome() != Outcome.MISMATCH) {
                throw new IOException("multicast receive ended " + r.outcome() + ": " + r.detail());
            }
            return r;
        }
    }

    /** A plain file that gets the whole image from block 0 (sized on the announce), verified by its SHA-256. */
    static Disk file(FileChannel file, byte[] sha256) {
        return new Disk() {
            @Override
            public FileChannel channel() {
                return file;
            }

            @Override
            public BlockBitmap open(Packet.Announce a) throws IOException {
                file.truncate(a.imageSize());
                return new BlockBitmap(a.imageSize(), a.blockSize());
            }

            @Override
            public ImageLayout layout() {
                return null; // whole image, set in run(Disk) from the announce
            }

            @Override
            public boolean verify() {
                try {
                    return ReceiverSession.readBack(file, file.size(), sha256).getAsBoolean();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    /** One session into {@code disk}; see {@link Outcome} for how it can end. */
    public Result run(Disk disk) throws IOException {
        long begin = System.nanoTime();
        long deadline = begin + config.timeout().toNanos();
        FileChannel file = disk.channel();
        try (Selector selector = Selector.open();
                DatagramChannel control = open(config.control().getPort())) {
            control.join(config.control().getAddress(), config.iface());
            control.register(selector, SelectionKey.OP_READ);
            DatagramChannel data = null;
            Packet.Announce announce = null;
            SocketAddress senderAddress = null;
            ReceiverSession session = null;
            ReceiverSessionFactory pending = null;
            long lastRegister = 0;
            long firstAnnounce = 0;
            long lastHeard = 0;
            long ackedAt = 0;
            Packet.DoneResult acked = null;
            // direct: the JDK receives into it without a copy through a temporary direct buffer (per packet)
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            MulticastCodec.DataView view = new MulticastCodec.DataView();
            long coalesce = 0;
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (session != null && ackedAt != 0
                            && (session.released() || now - ackedAt > LINGER.toNanos())) {
                        break;
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        if (session != null) {
                            leave(control, senderAddress, session, Packet.LeaveReason.SHUTDOWN);
                        }
                        throw new java.io.InterruptedIOException("multicast receive interrupted");
                    }
                    Result early = null;
                    if (session == null && !config.announceWait().isZero()) {
                        if (announce == null && now - begin > config.announceWait().toNanos()) {
                            early = ending(null, Outcome.NO_ANNOUNCE, "no multicast announce of the image within "
                                    + config.announceWait().toSeconds() + " s");
                        } else if (announce != null && now - firstAnnounce > ADMISSION.toNanos()) {
                            early = ending(null, Outcome.NOT_ADMITTED, "announced, but REGISTER not acknowledged"
                                    + " within " + ADMISSION.toSeconds() + " s (late joiners refused?)");
                        }
                    }
                    if (session != null && !config.silence().isZero() && now - lastHeard > config.silence().toNanos()) {
                        early = ending(session, Outcome.SILENT, "nothing from the sender for "
                                + config.silence().toSeconds() + " s");
                    }
                    if (session != null && session.told() != null) {
                        early = ending(session, Outcome.TOLD_TO_LEAVE, "the sender sent LEAVE " + session.told());
                    }
                    if (session != null && config.leaveLoss() > 0 && session.loss() > config.leaveLoss()) {
                        leave(control, senderAddress, session, Packet.LeaveReason.LOSSY);
                        early = ending(session, Outcome.LEFT, String.format("loss %.0f%% above %.0f%%: left the"
                                + " session (LEAVE LOSSY)", session.loss() * 100, config.leaveLoss() * 100));
                    }
                    if (early == null && now > deadline) {
                        early = ending(session, Outcome.SILENT, "multicast receive timed out after "
                                + config.timeout() + (session == null ? " (never admitted to a session)" : ""));
                    }
                    if (early != null) {
                        return early;
                    }
                    selector.select(100);
                    int got = 0;
                    for (SelectionKey key : selector.selectedKeys()) {
                        DatagramChannel ch = (DatagramChannel) key.channel();
                        buf.clear();
                        SocketAddress from;
                        while ((from = ch.receive(buf)) != null) {
                            got++;
                            buf.flip();
                            if (session != null && ch == data && peekData(buf, view)) {
                                // the hot path: DATA read in place, nothing allocated per packet
                                if (config.dropEvery() > 0 && ++dataSeen % config.dropEvery() == 0 || lose()) {
                                    injectedDrops++;
                                } else if (session.handleData(view, buf)) {
                                    lastHeard = System.nanoTime(); // see below
                                }
                                buf.clear();
                                continue;
                            }
                            Packet p = decode(buf);
                            buf.clear();
                            if (p == null) {
                                continue;
                            }
                            if (ch == control && session == null) {
                                if (p instanceof Packet.Announce a && a.header().hashPrefix() == hashPrefix) {
                                    if (announce == null || announce.header().session() != a.header().session()) {
                                        BlockBitmap bitmap = disk.open(a);
                                        if (bitmap == null) {
                                            continue;
                                        }
                                        announce = a;
                                        firstAnnounce = now;
                                        if (data != null) {
                                            data.close();
                                        }
                                        data = open(a.dataPort());
                                        data.join(InetAddress.getByAddress(a.dataGroup()), config.iface());
                                        data.register(selector, SelectionKey.OP_READ);
                                        coalesce = coalesceNanos(data);
                                        ImageLayout layout = disk.layout() != null ? disk.layout()
                                                : ImageLayout.whole(a.imageSize());
                                        pending = new ReceiverSessionFactory(a, file, bitmap, layout, disk::verify);
                                        Log.info("multicast: session " + Long.toHexString(a.header().session())
                                                + " offers the image (" + a.imageSize() + " bytes), registering"
                                                + (bitmap.count() > 0 ? " (" + bitmap.count() + " of "
                                                        + bitmap.blockCount() + " blocks already on disk)" : ""));
                                    }
                                    senderAddress = from;
                                    register(control, from, a.header(), a.sendNanos());
                                    lastRegister = now;
                                } else if (p instanceof Packet.RegisterAck ack && announce != null
                                        && ack.receiverId() == config.receiverId()
                                        && ack.header().session() == announce.header().session()) {
                                    session = pending.create(ack.index());
                                    lastHeard = now;
                                    Log.info("multicast: admitted as receiver " + ack.index());
                                }
                                continue;
                            }
                            if (ch == control && !(p instanceof Packet.Leave)) {
                                if (p instanceof Packet.Announce a && session != null
                                        && a.header().session() == announce.header().session()) {
                                    lastHeard = System.nanoTime(); // still admitting others: the sender is alive
                                }
                                continue; // later REGISTER_ACKs: nothing to do
                            }
                            if (session == null) {
                                // data before our REGISTER_ACK: the ACK was lost, ask again (at most every 100 ms)
                                if (announce != null && p.header().session() == announce.header().session()
                                        && now - lastRegister > 100_000_000L) {
                                    register(control, senderAddress, announce.header(), 0);
                                    lastRegister = now;
                                }
                                continue;
                            }
                            if (p instanceof Packet.Data && config.dropEvery() > 0
                                    && ++dataSeen % config.dropEvery() == 0 || lose()) {
                                injectedDrops++;
                                continue;
                            }
                            long foreignBefore = session.foreign();
                            Optional<Packet> answer = session.handle(p);
                            if (session.foreign() == foreignBefore) {
                                // not `now`: a busy receiver drains for longer than the silence limit in one go
                                lastHeard = System.nanoTime();
                            }
                            if (answer.isPresent() && lose()) {
                                injectedDrops++;
                            } else if (answer.isPresent()) {
                                ch.send(MulticastCodec.encode(answer.get()), from);
                                if (answer.get() instanceof Packet.DoneAck d && ackedAt == 0) {
                                    ackedAt = System.nanoTime();
                                    acked = d.result();
                                }
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                    if (session != null && ackedAt == 0 && got > 0 && got < COALESCE_BELOW) {
                        LockSupport.parkNanos(coalesce);
                    }
                }
                file.force(true);
                Outcome o = switch (acked) {
                    case VERIFIED -> Outcome.VERIFIED;
                    case MISMATCH -> Outcome.MISMATCH;
                    case INCOMPLETE -> Outcome.INCOMPLETE;
                };
                return ending(session, o, o == Outcome.INCOMPLETE ? "DONE with blocks missing (DONE_ACK INCOMPLETE)"
                        : "DONE");
            } finally {
                if (data != null) {
                    data.close();
                }
            }
        }
    }

    /** What is needed to create the session once REGISTER_ACK gives the receiver's index. */
    private record ReceiverSessionFactory(Packet.Announce announce, FileChannel file, BlockBitmap bitmap,
            ImageLayout layout, java.util.function.BooleanSupplier verifier) {
        ReceiverSession create(int index) {
            return new ReceiverSession(announce, index, file, bitmap, layout, verifier);
        }
    }

    private Result ending(ReceiverSession s, Outcome outcome, String detail) {
        Log.info("multicast: " + outcome + ": " + detail);
        if (s == null) {
            return new Result(false, 0, 0, 0, 0, malformed, injectedDrops, outcome, detail, 0);
        }
        return new Result(outcome == Outcome.VERIFIED, s.written(), s.duplicates(), s.foreign(), s.invalid(),
                malformed, injectedDrops, outcome, detail, s.writtenBytes());
    }

    private void leave(DatagramChannel control, SocketAddress to, ReceiverSession s, Packet.LeaveReason reason)
            throws IOException {
        if (to != null) {
            control.send(MulticastCodec.encode(new Packet.Leave(s.header(PacketType.LEAVE), s.index(), reason)), to);
        }
    }

    private boolean lose() {
        return config.lossRate() > 0 && random.nextDouble() < config.lossRate();
    }

    private void register(DatagramChannel control, SocketAddress to, Header announced, long echo) throws IOException {
        Header h = new Header(PacketType.REGISTER, announced.session(), announced.hashPrefix(), 0, 0);
        byte[] mac = MulticastCodec.registerMac(config.token(), h, config.receiverId(), echo);
        control.send(MulticastCodec.encode(new Packet.Register(h, config.receiverId(), echo, mac)), to);
    }

    /** True when {@code buf} held a DATA packet, now in {@code view}; false leaves {@code buf} for decode. */
    private static boolean peekData(ByteBuffer buf, MulticastCodec.DataView view) {
        try {
            return MulticastCodec.peekData(buf, view);
        } catch (MalformedPacketException e) {
            buf.rewind(); // decode finds the same fault and counts it
            return false;
        }
    }

    private Packet decode(ByteBuffer buf) {
        try {
            return MulticastCodec.decode(buf);
        } catch (MalformedPacketException e) {
            malformed++;
            return null;
        }
    }

    /** How long a wake-up may wait for more packets: a quarter of the socket buffer at line rate, at most 1 ms. */
    private static long coalesceNanos(DatagramChannel ch) throws IOException {
        long quarter = ch.getOption(StandardSocketOptions.SO_RCVBUF) / 4L;
        return Math.min(COALESCE_MAX_NANOS, quarter * 1_000_000_000L / LINE_RATE_BYTES_PER_SECOND);
    }

    private static DatagramChannel open(int port) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
        ch.bind(new InetSocketAddress(port));
        ch.configureBlocking(false);
        return ch;
    }

    /**
     * {@code --group G --port P --iface IF --id N --token-file F --sha256 HEX --out FILE [--timeout S]
     * [--drop-every K] [--loss FRACTION]}; prints one {@code RESULT ...} line; exit 0 when the image verified.
     */
    public static void main(String[] args) throws Exception {
        String group = null;
        String iface = null;
        String token = null;
        String sha = null;
        String out = null;
        int port = 0;
        long id = 0;
        long timeout = 120;
        int dropEvery = 0;
        double loss = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--group" -> group = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--iface" -> iface = v;
                case "--id" -> id = Long.parseLong(v);
                case "--token-file" -> token = v;
                case "--sha256" -> sha = v;
                case "--out" -> out = v;
                case "--timeout" -> timeout = Long.parseLong(v);
                case "--drop-every" -> dropEvery = Integer.parseInt(v);
                case "--loss" -> loss = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        NetworkInterface nif = NetworkInterface.getByName(iface);
        if (nif == null) {
            throw new IllegalArgumentException("no interface " + iface);
        }
        Config c = new Config(new InetSocketAddress(InetAddress.getByName(group), port), nif, id,
                Files.readAllBytes(Path.of(token)), HexFormat.of().parseHex(sha), Path.of(out),
                Duration.ofSeconds(timeout), dropEvery, loss);
        long start = System.nanoTime();
        Result r = new MulticastReceiver(c).run();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("RESULT verified=%s written=%d duplicates=%d foreign=%d invalid=%d malformed=%d"
                + " injected_drops=%d seconds=%.3f%n", r.verified(), r.written(), r.duplicates(), r.foreign(),
                r.invalid(), r.malformed(), r.injectedDrops(), secs);
        System.out.flush();
        System.exit(r.verified() ? 0 : 1);
    }
}
