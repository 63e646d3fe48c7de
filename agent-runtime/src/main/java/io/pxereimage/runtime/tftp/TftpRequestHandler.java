package io.pxereimage.runtime.tftp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.ChannelHandler;
import io.pxereimage.runtime.activity.Activity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles datagrams on the well-known port: receive -> decode -> validate -> decide -> reply. Every failure is
 * logged and counted; nothing here closes the listening channel.
 */
@ChannelHandler.Sharable
final class TftpRequestHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(TftpRequestHandler.class);

    /**
     * Binds a fresh socket for a transfer or a one-shot error (RFC 1350: a new TID per request). {@code local} is
     * the address the request was sent to (may be the wildcard address when the transport cannot tell).
     */
    interface TransferStarter {
        void start(InetSocketAddress client, InetSocketAddress local, TftpTransfer transfer);

        void sendError(InetSocketAddress client, InetSocketAddress local, TftpPacket.Error error);
    }

    private final TftpConfig config;
    private final TftpMetrics metrics;
    private final TransferStarter starter;
    private final Map<InetSocketAddress, TftpTransfer> active = new ConcurrentHashMap<>();
    /** Where finished transfers and refusals are recorded; null: nowhere. */
    volatile Activity activity;
    private static final long BUSY_WARNING_INTERVAL_NANOS = 10_000_000_000L;
    private long lastBusyWarning = System.nanoTime() - BUSY_WARNING_INTERVAL_NANOS - 1;

    TftpRequestHandler(TftpConfig config, TftpMetrics metrics, TransferStarter starter) {
        this.config = config;
        this.metrics = metrics;
        this.starter = starter;
    }

    Map<InetSocketAddress, TftpTransfer> active() {
        return active;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
        InetSocketAddress client = msg.sender();
        InetSocketAddress local = msg.recipient();
        TftpPacket packet;
        try {
            packet = TftpCodec.decode(msg.content());
        } catch (TftpCodecException e) {
            metrics.dropped(TftpMetrics.DropReason.MALFORMED);
            LOG.debug("TFTP dropped malformed request from {}: {}", client, e.getMessage());
            return;
        }
        if (packet instanceof TftpPacket.ReadRequest rrq) {
            onReadRequest(ctx, client, local, rrq);
        } else if (packet instanceof TftpPacket.WriteRequest wrq) {
            LOG.info("TFTP refused write of {} from {}: read-only server", wrq.filename(), client);
            refuse(client, local, TransferOutcome.DENIED, TftpErrorCode.ACCESS_VIOLATION, "read-only server");
        } else {
            // DATA/ACK/ERROR/OACK belong on a transfer socket; late packets of finished transfers land here.
            metrics.dropped(TftpMetrics.DropReason.UNEXPECTED_OPCODE);
        }
    }

    private void onReadRequest(ChannelHandlerContext ctx, InetSocketAddress client, InetSocketAddress local,
                               TftpPacket.ReadRequest rrq) {
        TftpTransfer running = active.get(client);
        if (running != null) {
            if (running.request().equals(rrq)) {
                // The client retransmitted its RRQ before our first reply arrived: the running transfer answers.
                metrics.dropped(TftpMetrics.DropReason.DUPLICATE_REQUEST);
                return;
            }
            // A different request from the same port replaces the old transfer. EDK2 sends its second RRQ right
            // after ERROR 8, which may overtake that ERROR on another I/O thread.
            LOG.debug("TFTP {} from {} replaces the running transfer of {}", rrq.filename(), client,
                    running.request().filename());
            running.finishLater(TransferOutcome.ABORTED);
        }
        String mode = rrq.mode();
        if (!mode.equals("octet") && !mode.equals("netascii")) {
            refuse(client, local, TransferOutcome.DENIED, TftpErrorCode.ILLEGAL_OPERATION, "unsupported mode " + mode);
            return;
        }
        Optional<String> name = TftpPaths.normalize(rrq.filename());
        if (name.isEmpty()) {
            LOG.info("TFTP refused {} from {}: name escapes the root", rrq.filename(), client);
            refuse(client, local, TransferOutcome.DENIED, TftpErrorCode.ACCESS_VIOLATION, "access violation");
            return;
        }
        TftpOptions requested;
        try {
            requested = TftpOptions.parse(rrq.options());
        } catch (TftpCodecException e) {
            LOG.info("TFTP refused {} from {}: bad option {}", rrq.filename(), client, e.getMessage());
            refuse(client, local, TransferOutcome.DENIED, TftpErrorCode.OPTION_NEGOTIATION, e.getMessage());
            return;
        }
        if (active.size() >= config.maxTransfers()) {
            // Answered from the well-known port: binding a socket per refused request would defeat the bound.
            metrics.transfer(TransferOutcome.BUSY);
            long now = System.nanoTime();
            if (now - lastBusyWarning > BUSY_WARNING_INTERVAL_NANOS) {
                // At most one warning per interval: a boot storm must not flood the log; the counter has all.
                lastBusyWarning = now;
                LOG.warn("TFTP refused {} from {}: {} transfers running (limit reached)", rrq.filename(), client,
                        active.size());
            }
            TftpPacket.Error busy = new TftpPacket.Error(TftpErrorCode.NOT_DEFINED, "server busy");
            ctx.writeAndFlush(new DatagramPacket(TftpCodec.encode(busy, ctx.alloc()), client));
            return;
        }
        TftpFileSource.Resolution res;
        try {
            res = config.source().resolve(name.get());
        } catch (IOException | RuntimeException e) {
            LOG.warn("TFTP {} for {}: cannot open: {}", rrq.filename(), client, e.toString());
            refuse(client, local, TransferOutcome.ERROR, TftpErrorCode.NOT_DEFINED, "cannot read file");
            return;
        }
        if (res instanceof TftpFileSource.NotFound nf) {
            // Debug only: GRUB, iPXE and pxelinux probe many optional names.
            LOG.debug("TFTP {} for {}: not found ({})", rrq.filename(), client, nf.reason());
            refuse(client, local, TransferOutcome.NOT_FOUND, TftpErrorCode.FILE_NOT_FOUND, "file not found");
        } else if (res instanceof TftpFileSource.Denied d) {
            LOG.info("TFTP refused {} from {}: {}", rrq.filename(), client, d.reason());
            refuse(client, local, TransferOutcome.DENIED, TftpErrorCode.ACCESS_VIOLATION, "access violation");
        } else {
            TftpFileSource.Found file = (TftpFileSource.Found) res;
            TftpOptions.Negotiation negotiation = requested.negotiate(rrq.options(), config.maxBlockSize(),
                    config.maxWindowSize(), file.size());
            TftpTransfer transfer = new TftpTransfer(client, rrq, name.get(), file, negotiation, config, metrics,
                    this::transferDone);
            active.put(client, transfer);
            starter.start(client, local, transfer);
        }
    }

    private void transferDone(TftpTransfer transfer, TransferOutcome outcome) {
        active.remove(transfer.client(), transfer);
        metrics.transfer(outcome);
        Activity a = activity;
        // Aborted transfers are left out: firmware aborts its size probes (RFC 2349 tsize) as a matter of course.
        if (a != null && outcome != TransferOutcome.ABORTED) {
            a.record(Activity.Kind.TFTP, transfer.client().getAddress(), "RRQ " + transfer.name() + " "
                    + (outcome == TransferOutcome.OK ? kib(transfer.fileSize()) + " in " + String.format(
                    java.util.Locale.ROOT, "%.1f s", transfer.elapsedNanos() / 1e9) : outcome.tag()));
        }
    }

    private static String kib(long bytes) {
        return bytes < 1024 ? bytes + " B" : bytes < 1 << 20 ? (bytes + 512) / 1024 + " KiB"
                : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private void refuse(InetSocketAddress client, InetSocketAddress local, TransferOutcome outcome,
                        TftpErrorCode code, String message) {
        metrics.transfer(outcome);
        Activity a = activity;
        if (a != null && outcome != TransferOutcome.NOT_FOUND) { // not found: probes of optional names
            a.record(Activity.Kind.TFTP, client.getAddress(), "refused: " + message);
        }
        starter.sendError(client, local, new TftpPacket.Error(code, message));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Keep serving: one bad datagram or a transient socket error must not stop the server.
        LOG.warn("TFTP listener error (continuing): {}", cause.toString());
    }
}
