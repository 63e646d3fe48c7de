package io.pxereimage.runtime.tftp;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * A minimal TFTP client on a plain {@link DatagramSocket}, for what no packaged client does: windowsize
 * (RFC 7440), the EDK2 size probe with ERROR 8, and simulated packet loss. Receiver behaviour follows RFC 7440
 * section 4: ACK after a full window or the last block; on an out-of-order or repeated block, ACK the last block
 * received in order.
 */
final class RawTftpClient implements Closeable {
    final DatagramSocket socket;
    private final InetSocketAddress server;
    /** Per received-DATA window: how many blocks arrived before the client acknowledged. */
    final List<Integer> windowCounts = new ArrayList<>();
    int dataPackets;
    int acksSent;
    /** For this many windows, check that nothing arrives while the ACK is held back (the server waits). */
    int probeWindows;

    RawTftpClient(int serverPort) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(2000);
        server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
    }

    void send(TftpPacket p, InetSocketAddress to) throws IOException {
        ByteBuf buf = TftpCodec.encode(p, UnpooledByteBufAllocator.DEFAULT);
        byte[] b = ByteBufUtil.getBytes(buf);
        buf.release();
        socket.send(new DatagramPacket(b, b.length, to));
    }

    void sendRaw(byte[] b) throws IOException {
        socket.send(new DatagramPacket(b, b.length, server));
    }

    void request(String name, Map<String, String> options) throws IOException {
        send(new TftpPacket.ReadRequest(name, "octet", options), server);
    }

    record Reply(TftpPacket packet, InetSocketAddress from) {
    }

    Reply receive() throws IOException {
        byte[] b = new byte[70_000];
        DatagramPacket dp = new DatagramPacket(b, b.length);
        socket.receive(dp);
        try {
            return new Reply(TftpCodec.decode(Unpooled.wrappedBuffer(b, 0, dp.getLength())),
                    (InetSocketAddress) dp.getSocketAddress());
        } catch (TftpCodecException e) {
            throw new IOException("server sent a malformed packet: " + e.getMessage(), e);
        }
    }

    /** Receives or returns null after {@code millis}. */
    Reply receive(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return receive();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /**
     * Receives the file after the server's first reply. {@code dropData}/{@code dropAck} are probabilities of
     * pretending a DATA packet was lost or of not sending an ACK. Returns the content.
     */
    byte[] download(Reply first, int blockSize, int window, double dropData, double dropAck, Random random,
                    int maxIdleTimeouts) throws IOException {
        InetSocketAddress tid = first.from();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long expected = 1;
        int inWindow = 0;
        int idle = 0;
        Reply r = first;
        if (r.packet() instanceof TftpPacket.OptionAck) {
            ack(0, tid, dropAck, random);
            r = null;
        }
        while (true) {
            if (r == null) {
                r = receive(500);
                if (r == null) {
                    if (++idle > maxIdleTimeouts) {
                        throw new IOException("server went silent at block " + expected);
                    }
                    ack(TftpBlocks.wire(expected - 1), tid, dropAck, random);
                    continue;
                }
            }
            idle = 0;
            if (r.packet() instanceof TftpPacket.Error e) {
                throw new IOException("server error " + e.code() + " " + e.message());
            }
            if (!r.from().equals(tid) || !(r.packet() instanceof TftpPacket.Data d)) {
                throw new IOException("unexpected " + r.packet() + " from " + r.from());
            }
            r = null;
            dataPackets++;
            if (random != null && random.nextDouble() < dropData) {
                continue;
            }
            if (d.block() != TftpBlocks.wire(expected)) {
                // Gap or repeat: tell the sender where we are (RFC 7440 section 4).
                ack(TftpBlocks.wire(expected - 1), tid, dropAck, random);
                inWindow = 0;
                continue;
            }
            byte[] payload = d.payload();
            out.write(payload, 0, payload.length);
            expected++;
            inWindow++;
            boolean last = payload.length < blockSize;
            if (last || inWindow == window) {
                if (windowCounts.size() < probeWindows && receive(150) != null) {
                    throw new IOException("server sent more than " + inWindow + " blocks without an ACK");
                }
                windowCounts.add(inWindow);
                inWindow = 0;
                ack(d.block(), tid, last ? 0 : dropAck, random);
            }
            if (last) {
                return out.toByteArray();
            }
        }
    }

    private void ack(int block, InetSocketAddress tid, double drop, Random random) throws IOException {
        if (random != null && random.nextDouble() < drop) {
            return;
        }
        acksSent++;
        send(new TftpPacket.Ack(block), tid);
    }

    @Override
    public void close() {
        socket.close();
    }
}
