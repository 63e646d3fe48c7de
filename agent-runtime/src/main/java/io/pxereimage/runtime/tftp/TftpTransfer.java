package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read transfer on its own ephemeral socket (the server's TID, RFC 1350 section 4). All methods run on the
 * channel's event loop, so the state needs no locking.
 *
 * <p>States: {@code OACK_SENT} (wait for ACK 0, RFC 2347), {@code SENDING} (windows of {@code windowsize} blocks,
 * RFC 7440), {@code DONE}. On timeout the server resends from the last acknowledged block with a doubling delay.
 * Duplicate ACKs never trigger a resend (the Sorcerer's Apprentice fix of RFC 1123 4.2.3.1); only the timer does.
 * If the final block was sent but its ACK never comes, the transfer still counts as ok (some PXE ROMs boot without
 * sending the last ACK), unless the client kept repeating its previous ACK, which means it never got that block.
 */
final class TftpTransfer extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(TftpTransfer.class);
    /** Backoff cap: at most 8x the base timeout between retransmissions. */
    private static final int MAX_BACKOFF_SHIFT = 3;
    /** Retries once the final block is out; a client that has everything often never ACKs again. */
    private static final int FINAL_RETRIES = 2;

    private enum State { OACK_SENT, SENDING, DONE }

    private final InetSocketAddress client;
    private final TftpPacket.ReadRequest request;
    private final String name;
    private final TftpFileSource.Found file;
    private final TftpOptions.Negotiation negotiation;
    private final TftpConfig config;
    private final TftpMetrics metrics;
    private final BiConsumer<TftpTransfer, TransferOutcome> onDone;
    private final long totalBlocks;
    private final long baseTimeoutNanos;

    private EventLoop loop;
    private ChannelHandlerContext ctx;
    private State state;
    private long lastAcked;
    private long highestSent;
    private int retry;
    /** The client repeated its last ACK since our last progress: it is missing data, not just slow to ACK. */
    private boolean clientWaiting;
    private ScheduledFuture<?> timer;
    private long startNanos;

    TftpTransfer(InetSocketAddress client, TftpPacket.ReadRequest request, String name, TftpFileSource.Found file,
                 TftpOptions.Negotiation negotiation, TftpConfig config, TftpMetrics metrics,
                 BiConsumer<TftpTransfer, TransferOutcome> onDone) {
        this.client = client;
        this.request = request;
        this.name = name;
        this.file = file;
        this.negotiation = negotiation;
        this.config = config;
        this.metrics = metrics;
        this.onDone = onDone;
        this.totalBlocks = TftpBlocks.blockCount(file.size(), negotiation.blockSize());
        this.baseTimeoutNanos = negotiation.timeoutSeconds() > 0
                ? TimeUnit.SECONDS.toNanos(negotiation.timeoutSeconds()) : config.timeout().toNanos();
    }

    /** The served name, its size and how long the transfer has run: for the activity line. */
    String name() {
        return name;
    }

    long fileSize() {
        return file.size();
    }

    long elapsedNanos() {
        return startNanos == 0 ? 0 : System.nanoTime() - startNanos;
    }

    InetSocketAddress client() {
        return client;
    }

    TftpPacket.ReadRequest request() {
        return request;
    }

    /** Called before the socket is bound: every later step of this transfer runs on {@code loop}. */
    void assign(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (state == State.DONE) {
            // Finished (server shutdown, superseded request) while the socket was still being bound.
            ctx.channel().close();
            return;
        }
        this.ctx = ctx;
        startNanos = System.nanoTime();
        try {
            if (negotiation.hasOack()) {
                state = State.OACK_SENT;
                sendOack();
            } else {
                state = State.SENDING;
                sendWindow();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
        if (state == State.DONE) {
            return;
        }
        if (!client.equals(msg.sender())) {
            // RFC 1350 section 4: a packet from a foreign TID gets ERROR 5 and does not disturb the transfer.
            metrics.dropped(TftpMetrics.DropReason.UNKNOWN_TID);
            send(new TftpPacket.Error(TftpErrorCode.UNKNOWN_TID, "unknown transfer ID"), msg.sender());
            ctx.flush();
            return;
        }
        TftpPacket packet;
        try {
            packet = TftpCodec.decode(msg.content());
        } catch (TftpCodecException e) {
            metrics.dropped(TftpMetrics.DropReason.MALFORMED);
            LOG.debug("TFTP {} from {}: dropped malformed packet: {}", name, client, e.getMessage());
            return;
        }
        try {
            if (packet instanceof TftpPacket.Ack ack) {
                onAck(ack.block());
            } else if (packet instanceof TftpPacket.Error err) {
                onError(err);
            } else {
                metrics.dropped(TftpMetrics.DropReason.UNEXPECTED_OPCODE);
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void fail(Exception e) {
        LOG.warn("TFTP {} to {}: failed: {}", name, client, e.toString());
        send(new TftpPacket.Error(TftpErrorCode.NOT_DEFINED, "read error"), client);
        finish(TransferOutcome.ERROR);
    }

    private void onAck(int wireBlock) throws IOException {
        if (state == State.OACK_SENT) {
            if (wireBlock != 0) {
                metrics.dropped(TftpMetrics.DropReason.STALE_ACK);
                return;
            }
            state = State.SENDING;
            retry = 0;
            sendWindow();
            return;
        }
        long acked = TftpBlocks.ackedIndex(wireBlock, lastAcked);
        if (acked == lastAcked || acked > highestSent) {
            // Duplicate or stale: resending here would start the Sorcerer's Apprentice; the timer resends.
            clientWaiting |= acked == lastAcked;
            metrics.dropped(TftpMetrics.DropReason.STALE_ACK);
            return;
        }
        lastAcked = acked;
        retry = 0;
        clientWaiting = false;
        if (lastAcked == totalBlocks) {
            finish(TransferOutcome.OK);
        } else {
            // RFC 7440: an ACK inside the window means the rest was lost; the next window starts after it.
            sendWindow();
        }
    }

    private void onError(TftpPacket.Error err) {
        if (state == State.OACK_SENT && err.code().equals(TftpErrorCode.OPTION_NEGOTIATION)) {
            // EDK2 asks for tsize only, reads the size from the OACK and aborts with ERROR 8; it then requests
            // the file again with blksize/windowsize. Normal behaviour, hence debug.
            LOG.debug("TFTP {} to {}: client ended after OACK with ERROR {} '{}' (size probe)", name, client,
                    err.code(), err.message());
        } else {
            LOG.info("TFTP {} to {}: client aborted at block {} with ERROR {} '{}'", name, client, lastAcked,
                    err.code(), err.message());
        }
        finish(TransferOutcome.ABORTED);
    }

    private void onTimeout() {
        if (state == State.DONE) {
            return;
        }
        boolean finalSent = state == State.SENDING && highestSent == totalBlocks;
        int limit = finalSent ? Math.min(config.retries(), FINAL_RETRIES) : config.retries();
        if (retry >= limit) {
            if (finalSent && lastAcked + 1 == totalBlocks && !clientWaiting) {
                LOG.debug("TFTP {} to {}: final ACK never came, counting as sent", name, client);
                finish(TransferOutcome.OK);
            } else {
                LOG.warn("TFTP {} to {}: timed out at block {} of {} after {} retries", name, client,
                        lastAcked, totalBlocks, retry);
                finish(TransferOutcome.TIMEOUT);
            }
            return;
        }
        retry++;
        try {
            if (state == State.OACK_SENT) {
                sendOack();
            } else {
                sendWindow();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void sendOack() {
        send(new TftpPacket.OptionAck(negotiation.acknowledged()), client);
        ctx.flush();
        arm();
    }

    /** Sends blocks {@code lastAcked+1 ..} up to one window, then flushes once and arms the timer. */
    private void sendWindow() throws IOException {
        long end = Math.min(lastAcked + negotiation.windowSize(), totalBlocks);
        for (long i = lastAcked + 1; i <= end; i++) {
            sendBlock(i);
        }
        ctx.flush();
        arm();
    }

    private void sendBlock(long index) throws IOException {
        int blk = negotiation.blockSize();
        long offset = (index - 1) * blk;
        int len = (int) Math.min(blk, file.size() - offset);
        ByteBuf buf = ctx.alloc().directBuffer(TftpCodec.DATA_HEADER_LENGTH + len);
        try {
            TftpCodec.writeDataHeader(buf, TftpBlocks.wire(index));
            readAt(buf, offset, len);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
        ctx.write(new DatagramPacket(buf, client));
        if (index > highestSent) {
            highestSent = index;
            metrics.bytes(len);
        }
    }

    /** Reads exactly {@code len} bytes at {@code offset} into {@code buf}'s writable space (no heap copy). */
    private void readAt(ByteBuf buf, long offset, int len) throws IOException {
        if (len == 0) {
            return;
        }
        ByteBuffer nio = buf.nioBuffer(buf.writerIndex(), len);
        // A FileChannel reads at a position in one pread; position()+read() would cost an lseek per block, which
        // on a lock-step transfer sits on the critical path of every round trip (see docs/performance.md).
        FileChannel fc = file.channel() instanceof FileChannel f ? f : null;
        int start = nio.position();
        if (fc == null) {
            file.channel().position(offset);
        }
        while (nio.hasRemaining()) {
            int n = fc != null ? fc.read(nio, offset + (nio.position() - start)) : file.channel().read(nio);
            if (n < 0) {
                throw new IOException("file shrank below its announced size at offset " + offset);
            }
        }
        buf.writerIndex(buf.writerIndex() + len);
    }

    private void send(TftpPacket packet, InetSocketAddress to) {
        ctx.write(new DatagramPacket(TftpCodec.encode(packet, ctx.alloc()), to));
    }

    private void arm() {
        cancelTimer();
        long delay = baseTimeoutNanos << Math.min(retry, MAX_BACKOFF_SHIFT);
        timer = ctx.executor().schedule(this::onTimeout, delay, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Ends the transfer from any thread (server shutdown). */
    void finishLater(TransferOutcome outcome) {
        if (loop == null || loop.inEventLoop()) {
            finish(outcome);
        } else {
            loop.execute(() -> finish(outcome));
        }
    }

    /** Ends the transfer (idempotent): flushes a pending ERROR, closes socket and file, reports the outcome. */
    void finish(TransferOutcome outcome) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        cancelTimer();
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("TFTP {}: closing file failed: {}", name, e.toString());
        }
        if (ctx != null) {
            ctx.flush();
            ctx.channel().close();
        }
        if (outcome == TransferOutcome.OK) {
            logCompleted();
        }
        onDone.accept(this, outcome);
    }

    private void logCompleted() {
        long nanos = Math.max(1, System.nanoTime() - startNanos);
        double seconds = nanos / 1e9;
        LOG.info("TFTP sent {} to {}: {} bytes, blksize {}, windowsize {}, {} ms, {} MB/s", name,
                client.getAddress().getHostAddress() + ":" + client.getPort(), file.size(),
                negotiation.blockSize(), negotiation.windowSize(), String.format("%.1f", seconds * 1000),
                String.format("%.2f", file.size() / seconds / 1e6));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Socket errors (e.g. ICMP port unreachable surfacing as PortUnreachableException) must not kill the
        // loop; the retransmission timer decides when the transfer is over.
        LOG.debug("TFTP {} to {}: channel error: {}", name, client, cause.toString());
    }
}
