package io.pxereimage.agent.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.protocol.multicast.Header;
import io.pxereimage.protocol.multicast.MulticastCodec;
import io.pxereimage.protocol.multicast.Packet;
import io.pxereimage.protocol.multicast.PacketType;

/**
 * The receiver's socket loop against a scripted sender on the loopback interface: LEAVE both ways (told TOO_SLOW,
 * LOSSY above the threshold, SHUTDOWN when stopped) and DONE_ACK INCOMPLETE with blocks missing.
 */
class MulticastReceiverTest {
    private static final int BLOCK = 1000;
    private static final int SLICE = 16;
    private static final long SESSION = 0x5eed;
    private static final byte[] TOKEN = {1, 2, 3, 4};

    @TempDir
    Path dir;
    private byte[] image;
    private byte[] sha;
    private DatagramChannel sender;
    private InetSocketAddress control;
    private InetSocketAddress data;
    private NetworkInterface lo;
    private int sequence;

    @BeforeEach
    void setUp() throws Exception {
        image = new byte[BLOCK * 40];
        new Random(3).nextBytes(image);
        sha = MessageDigest.getInstance("SHA-256").digest(image);
        lo = NetworkInterface.getByName("lo");
        int port = 20000 + 2 * new Random().nextInt(5000); // below the ephemeral range (32768-)
        control = new InetSocketAddress(InetAddress.getByName("239.231.101.201"), port);
        data = new InetSocketAddress(InetAddress.getByName("239.231.101.202"), port + 1);
        sender = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0));
        sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
        sender.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
        sender.configureBlocking(false);
    }

    @AfterEach
    void tearDown() throws Exception {
        sender.close();
    }

    private Header header(PacketType type, int slice) {
        return new Header(type, SESSION, Header.hashPrefix(sha), slice, sequence++);
    }

    private void send(Packet p, SocketAddress to) throws Exception {
        sender.send(MulticastCodec.encode(p), to);
    }

    private record From(Packet packet, SocketAddress address) {
    }

    /** The next packet the receiver sends, announcing the session meanwhile (until it registered). */
    private From await(Class<? extends Packet> type, boolean announce) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (announce) {
                send(new Packet.Announce(header(PacketType.ANNOUNCE, 0), image.length, BLOCK, SLICE,
                        data.getAddress().getAddress(), data.getPort(), 0, 7), control);
            }
            Thread.sleep(20);
            buf.clear();
            SocketAddress from;
            while ((from = sender.receive(buf)) != null) {
                Packet p = MulticastCodec.decode(buf.flip());
                buf.clear();
                if (type.isInstance(p)) {
                    return new From(p, from);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " from the receiver");
    }

    private CompletableFuture<MulticastReceiver.Result> start(double leaveLoss, AtomicReference<Thread> thread)
            throws Exception {
        FileChannel file = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        MulticastReceiver.Config c = new MulticastReceiver.Config(control, lo, 42, TOKEN, sha, null,
                Duration.ofSeconds(30), 0, 0, Duration.ofSeconds(10), leaveLoss, Duration.ofSeconds(10));
        return CompletableFuture.supplyAsync(() -> {
            thread.set(Thread.currentThread());
            try (file) {
                return new MulticastReceiver(c).run(MulticastReceiver.file(file, sha));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** Registers the receiver (checking its HMAC) as index 3; returns its control address. */
    private SocketAddress admit() throws Exception {
        From reg = await(Packet.Register.class, true);
        Packet.Register r = (Packet.Register) reg.packet();
        assertThat(r.receiverId()).isEqualTo(42);
        assertThat(MulticastCodec.verify(r, TOKEN)).isTrue();
        send(new Packet.RegisterAck(header(PacketType.REGISTER_ACK, 0), 42, 3, r.echoNanos()), reg.address());
        handled();
        return reg.address();
    }

    /** Asks for the status of slice 0 until the receiver answers: everything sent to the data group before is handled. */
    private Packet.Status handled() throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            send(new Packet.Request(header(PacketType.STATUS_REQ, 0), 1, new byte[0]), data);
            Thread.sleep(20);
            buf.clear();
            while (sender.receive(buf) != null) {
                Packet p = MulticastCodec.decode(buf.flip());
                buf.clear();
                if (p instanceof Packet.Status st) {
                    return st;
                }
            }
        }
        throw new AssertionError("the receiver never answered STATUS_REQ");
    }

    private void blocks(int from, int to) throws Exception {
        for (int b = from; b < to; b++) {
            send(new Packet.Data(header(PacketType.DATA, b / SLICE), b % SLICE,
                    Arrays.copyOfRange(image, b * BLOCK, (b + 1) * BLOCK)), data);
        }
    }

    @Test
    void leaveFromTheSenderEndsTheSessionWithWhatArrived() throws Exception {
        CompletableFuture<MulticastReceiver.Result> run = start(0, new AtomicReference<>());
        SocketAddress receiver = admit();
        blocks(0, 10);
        assertThat(handled().missing()).as("blocks 10-15 of slice 0").containsExactly(new byte[] {0, (byte) 0xfc});
        send(new Packet.Leave(header(PacketType.LEAVE, 0), 3, Packet.LeaveReason.TOO_SLOW), receiver);
        MulticastReceiver.Result r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(MulticastReceiver.Outcome.TOLD_TO_LEAVE);
        assertThat(r.detail()).contains("TOO_SLOW");
        assertThat(r.writtenBytes()).isEqualTo(10L * BLOCK);
    }

    @Test
    void doneWithBlocksMissingIsAnsweredIncomplete() throws Exception {
        CompletableFuture<MulticastReceiver.Result> run = start(0, new AtomicReference<>());
        admit();
        blocks(0, 32); // of 40
        send(new Packet.Request(header(PacketType.DONE, 0), 99, new byte[0]), data);
        Packet.DoneAck ack = (Packet.DoneAck) await(Packet.DoneAck.class, false).packet();
        assertThat(ack.result()).isEqualTo(Packet.DoneResult.INCOMPLETE);
        assertThat(ack.index()).isEqualTo(3);
        byte[] answered = new byte[1];
        MulticastCodec.set(answered, 3);
        send(new Packet.Request(header(PacketType.DONE, 0), 100, answered), data); // released
        MulticastReceiver.Result r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(MulticastReceiver.Outcome.INCOMPLETE);
        assertThat(r.writtenBytes()).isEqualTo(32L * BLOCK);
    }

    @Test
    void aReceiverAboveItsLossThresholdSendsLeaveLossy() throws Exception {
        CompletableFuture<MulticastReceiver.Result> run = start(0.3, new AtomicReference<>());
        admit();
        for (int i = 0; i < 3 * ReceiverSession.LOSS_WINDOW && !run.isDone(); i++) {
            sequence++; // every other packet of the sender "lost": 50 %
            send(new Packet.Request(header(PacketType.STATUS_REQ, 0), 1, new byte[] {8}), data);
        }
        Packet.Leave leave = (Packet.Leave) await(Packet.Leave.class, false).packet();
        assertThat(leave.reason()).isEqualTo(Packet.LeaveReason.LOSSY);
        assertThat(leave.index()).isEqualTo(3);
        MulticastReceiver.Result r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(MulticastReceiver.Outcome.LEFT);
        assertThat(r.detail()).contains("loss 50%");
    }

    @Test
    void aStoppedReceiverSaysShutdown() throws Exception {
        AtomicReference<Thread> thread = new AtomicReference<>();
        CompletableFuture<MulticastReceiver.Result> run = start(0, thread);
        admit();
        thread.get().interrupt();
        Packet.Leave leave = (Packet.Leave) await(Packet.Leave.class, false).packet();
        assertThat(leave.reason()).isEqualTo(Packet.LeaveReason.SHUTDOWN);
        try {
            run.get(10, TimeUnit.SECONDS);
            throw new AssertionError("a stopped receive returned");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).hasCauseInstanceOf(InterruptedIOException.class);
        }
    }

    @Test
    void noAnnounceEndsAfterTheAnnounceWait() throws Exception {
        FileChannel file = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        MulticastReceiver.Config c = new MulticastReceiver.Config(control, lo, 42, TOKEN, sha, null,
                Duration.ofSeconds(30), 0, 0, Duration.ofSeconds(1), 0, Duration.ofSeconds(10));
        long start = System.nanoTime();
        try (file) {
            MulticastReceiver.Result r = new MulticastReceiver(c).run(MulticastReceiver.file(file, sha));
            assertThat(r.outcome()).isEqualTo(MulticastReceiver.Outcome.NO_ANNOUNCE);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                Duration.ofSeconds(5));
    }
}
