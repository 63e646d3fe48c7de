package io.pxereimage.agent.multicast;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
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
 * the expected image, registers with its job token, then writes the data group's blocks to a file, answers
 * STATUS_REQ and DONE, and verifies the whole image's SHA-256.
 */
public final class MulticastReceiver {
    /** What a run ended with. */
    public record Result(boolean verified, long written, long duplicates, long foreign, long invalid,
            long malformed, long injectedDrops) {
    }

    /**
     * @param dropEvery test hook: drop every k-th DATA packet before it is handled (0: none), to prove repair
     * @param lossRate test hook: drop this fraction of the session's packets, both ways, at random (where the
     *        kernel has no netem)
     */
    public record Config(InetSocketAddress control, NetworkInterface iface, long receiverId, byte[] token,
            byte[] sha256, Path out, Duration timeout, int dropEvery, double lossRate) {
    }

    private static final Duration LINGER = Duration.ofSeconds(2);

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

    public Result run() throws IOException {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        try (Selector selector = Selector.open();
                DatagramChannel control = open(config.control().getPort());
                FileChannel file = FileChannel.open(config.out(), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            control.join(config.control().getAddress(), config.iface());
            control.register(selector, SelectionKey.OP_READ);
            DatagramChannel data = null;
            Packet.Announce announce = null;
            SocketAddress senderAddress = null;
            ReceiverSession session = null;
            long lastRegister = 0;
            long ackedAt = 0;
            ByteBuffer buf = ByteBuffer.allocate(65536);
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (session != null && ackedAt != 0
                            && (session.released() || now - ackedAt > LINGER.toNanos())) {
                        break;
                    }
                    if (now > deadline) {
                        throw new IOException("multicast receive timed out after " + config.timeout()
                                + (session == null ? " (never admitted to a session)" : ""));
                    }
                    selector.select(100);
                    for (SelectionKey key : selector.selectedKeys()) {
                        DatagramChannel ch = (DatagramChannel) key.channel();
                        buf.clear();
                        SocketAddress from;
                        while ((from = ch.receive(buf)) != null) {
                            buf.flip();
                            Packet p = decode(buf);
                            buf.clear();
                            if (p == null) {
                                continue;
                            }
                            if (ch == control) {
                                if (p instanceof Packet.Announce a && session == null
                                        && a.header().hashPrefix() == hashPrefix) {
                                    if (announce == null || announce.header().session() != a.header().session()) {
                                        announce = a;
                                        if (data != null) {
                                            data.close();
                                        }
                                        data = open(a.dataPort());
                                        data.join(InetAddress.getByAddress(a.dataGroup()), config.iface());
                                        data.register(selector, SelectionKey.OP_READ);
                                        file.truncate(a.imageSize());
                                        Log.info("multicast: session " + Long.toHexString(a.header().session())
                                                + " offers the image (" + a.imageSize() + " bytes), registering");
                                    }
                                    senderAddress = from;
                                    register(control, from, a.header(), a.sendNanos());
                                    lastRegister = now;
                                } else if (p instanceof Packet.RegisterAck ack && announce != null && session == null
                                        && ack.receiverId() == config.receiverId()
                                        && ack.header().session() == announce.header().session()) {
                                    session = new ReceiverSession(announce, ack.index(), file, config.sha256());
                                    Log.info("multicast: admitted as receiver " + ack.index());
                                }
                                continue;
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
                            Optional<Packet> answer = session.handle(p);
                            if (answer.isPresent() && lose()) {
                                injectedDrops++;
                            } else if (answer.isPresent()) {
                                ch.send(MulticastCodec.encode(answer.get()), from);
                                if (answer.get() instanceof Packet.DoneAck && ackedAt == 0) {
                                    ackedAt = System.nanoTime();
                                }
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
                file.force(true);
                return new Result(session.verify(), session.written(), session.duplicates(), session.foreign(),
                        session.invalid(), malformed, injectedDrops);
            } finally {
                if (data != null) {
                    data.close();
                }
            }
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

    private Packet decode(ByteBuffer buf) {
        try {
            return MulticastCodec.decode(buf);
        } catch (MalformedPacketException e) {
            malformed++;
            return null;
        }
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
