package io.pxereimage.agent;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.pxereimage.agent.multicast.BlockBitmap;
import io.pxereimage.agent.multicast.ImageLayout;
import io.pxereimage.agent.multicast.MulticastReceiver;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.multicast.Packet;

/**
 * The multicast side of a {@code deploy-image} job ({@code docs/multicast.md}, "Receiver side"): receive the image
 * from the session straight onto the target, keep a bitmap of the blocks on disk (saved in the state directory after
 * an fdatasync of the data it covers), take whatever multicast did not deliver over HTTP Range from the job's image
 * URL, and verify like unicast (whole-image SHA-256; with a block map each range's SHA-256 too). A restarted agent
 * starts from the saved bitmap: it rejoins the session if it is still announced, and fetches only what it lacks.
 */
final class MulticastDeploy {
    /** The HTTP fill fetches, writes, syncs and marks this many blocks at a time. */
    private static final int FILL_BLOCKS = 2048;
    private static final int BUFFER = 1 << 20;
    private static final int FILL_CONNECTIONS = 4;

    /** What the disk got and from where. */
    record Summary(boolean fellBack, long multicastBytes, long httpBytes, long resumedBytes, List<long[]> httpRanges,
            MulticastReceiver.Outcome outcome) {
    }

    private final AgentConfig config;
    private final HttpClient http;
    private final JobContext ctx;
    private final AtomicReference<BlockBitmap> bitmap = new AtomicReference<>();
    private final List<long[]> httpRanges = new ArrayList<>();
    private final AtomicLong httpBytes = new AtomicLong();

    MulticastDeploy(AgentConfig config, HttpClient http, JobContext ctx) {
        this.config = config;
        this.http = http;
        this.ctx = ctx;
    }

    /**
     * Writes {@code image} to {@code ch} ({@code target}) and verifies it; returns {@code fellBack} (nothing written)
     * when there is no multicast session to join and nothing from an earlier run: the caller then deploys by unicast.
     *
     * @throws IOException when the image cannot be completed or does not verify (the caller wipes the target)
     */
    Summary write(FileChannel ch, Path target, Job.ImageRef image, Job.Multicast m)
            throws IOException, InterruptedException {
        if (!"none".equals(image.compression() == null ? "none" : image.compression().toLowerCase(Locale.ROOT))) {
            ctx.log("multicast needs the raw image (compression none), this one is " + image.compression()
                    + ": unicast");
            return fallBack(target);
        }
        byte[] sha = HexFormat.of().parseHex(image.sha256());
        Path state = stateFile(config.stateDir(), target, image.sha256());
        forgetOthers(config.stateDir(), target, state);
        BlockBitmap resumed = BlockBitmap.load(state, sha, image.sizeBytes()).orElse(null);
        ImageLayout layout = layout(image);
        long resumedBytes = 0;
        if (resumed != null) {
            layout.markUnneeded(resumed);
            resumedBytes = layout.presentBytes(resumed);
            bitmap.set(resumed);
            ctx.log("resuming: " + resumedBytes + " of " + layout.neededBytes() + " image bytes already on disk ("
                    + state.getFileName() + ")");
        }
        Progress progress = new Progress(layout.neededBytes(), config.eventInterval, ctx::event);
        ImageCheck check = new ImageCheck(image);
        Checkpoints checkpoints = new Checkpoints(ch, state, sha, layout, progress, check);
        MulticastReceiver.Result received;
        try {
            checkpoints.start();
            try {
                received = receive(ch, image, m, sha, layout, resumed, check);
            } catch (java.io.InterruptedIOException e) {
                throw new InterruptedException(e.getMessage()); // stopped, not failed
            }
            long onDisk = present(layout);
            if (onDisk == 0 && (received.outcome() == MulticastReceiver.Outcome.NO_ANNOUNCE
                    || received.outcome() == MulticastReceiver.Outcome.NOT_ADMITTED)) {
                checkpoints.stop();
                ctx.log(received.detail() + (received.outcome() == MulticastReceiver.Outcome.NO_ANNOUNCE
                        ? " (IGMP snooping without a querier?)" : "") + ": unicast");
                return fallBack(target);
            }
            ctx.log("multicast " + received.outcome() + " (" + received.detail() + "): " + received.writtenBytes()
                    + " bytes by multicast, " + (layout.neededBytes() - onDisk) + " bytes still missing");
            if (received.outcome() != MulticastReceiver.Outcome.VERIFIED) {
                if (bitmap.get() == null) {
                    BlockBitmap b = new BlockBitmap(image.sizeBytes(), Math.max(512, config.fillBlockSize));
                    layout.markUnneeded(b);
                    bitmap.set(b);
                }
                fill(ch, URI.create(image.url()), layout);
                checkpoints.save();
                verify(ch, image, check, URI.create(image.url()));
            }
        } finally {
            checkpoints.stop();
        }
        progress.finish(present(layout));
        Files.deleteIfExists(state); // done: the disk is the image, nothing to resume
        ctx.log("image complete: " + received.writtenBytes() + " bytes by multicast, " + httpBytes.get()
                + " bytes by HTTP Range, " + resumedBytes + " bytes from an earlier run");
        List<long[]> ranges;
        synchronized (httpRanges) {
            ranges = List.copyOf(httpRanges);
        }
        return new Summary(false, received.writtenBytes(), httpBytes.get(), resumedBytes, ranges,
                received.outcome());
    }

    private Summary fallBack(Path target) throws IOException {
        forget(config.stateDir(), target);
        return new Summary(true, 0, 0, 0, List.of(), null);
    }

    private MulticastReceiver.Result receive(FileChannel ch, Job.ImageRef image, Job.Multicast m, byte[] sha,
            ImageLayout layout, BlockBitmap resumed, ImageCheck check) throws IOException {
        NetworkInterface nif = bootInterface();
        MulticastReceiver.Config rc = new MulticastReceiver.Config(
                new InetSocketAddress(InetAddress.getByName(m.controlGroup()), m.controlPort()), nif, m.receiverId(),
                m.tokenBytes(), sha, null, config.multicastTimeout, 0, config.multicastTestLoss,
                Duration.ofSeconds(m.announceWaitSeconds()), config.multicastLeaveLoss, config.multicastSilence);
        ctx.log("multicast: waiting up to " + m.announceWaitSeconds() + " s for an announce on " + m.controlGroup()
                + ":" + m.controlPort() + " via " + nif.getName());
        return new MulticastReceiver(rc).run(new MulticastReceiver.Disk() {
            @Override
            public FileChannel channel() {
                return ch;
            }

            @Override
            public BlockBitmap open(Packet.Announce a) {
                if (a.imageSize() != image.sizeBytes()) {
                    ctx.log("multicast: session " + Long.toHexString(a.header().session()) + " announces "
                            + a.imageSize() + " bytes, the job says " + image.sizeBytes() + ": ignored");
                    return null;
                }
                BlockBitmap b = resumed == null ? new BlockBitmap(a.imageSize(), a.blockSize())
                        : resumed.remap(a.blockSize());
                layout.markUnneeded(b);
                bitmap.set(b);
                return b;
            }

            @Override
            public ImageLayout layout() {
                return layout;
            }

            @Override
            public boolean verify() {
                try {
                    return check.finish(ch).ok(); // most of it was read while the rest arrived
                } catch (IOException e) {
                    ctx.log("reading the image back failed: " + e.getMessage());
                    return false;
                }
            }
        });
    }

    /**
     * Every missing block over HTTP Range, a run at a time on {@value #FILL_CONNECTIONS} connections (a lossy
     * receiver's holes are many short runs: one request each, so they overlap); a run is marked once it is written
     * (saved at the next checkpoint).
     */
    private void fill(FileChannel ch, URI uri, ImageLayout layout) throws IOException, InterruptedException {
        BlockBitmap b = bitmap.get();
        List<int[]> runs = ImageLayout.missingRuns(b, FILL_BLOCKS);
        if (runs.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(FILL_CONNECTIONS, runs.size()), r -> {
            Thread t = new Thread(r, "multicast-http-fill");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int[] run : runs) {
                done.add(pool.submit(() -> {
                    long bytes = layout.mappedBytes(b.start(run[0]), b.end(run[1] - 1));
                    byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(1, bytes))];
                    for (ImageLayout.Range r : layout.clip(b.start(run[0]), b.end(run[1] - 1))) {
                        fetch(ch, uri, r.start(), r.end(), buf);
                    }
                    b.set(run[0], run[1]);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    throw c instanceof IOException io ? io : new IOException("HTTP fill failed: " + c, c);
                }
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private void fetch(FileChannel ch, URI uri, long start, long end, byte[] buf) throws IOException {
        try (ResumingInputStream in = ResumingInputStream.open(config, http, uri, start, end, ctx::log)) {
            long pos = start;
            while (pos < end) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, end - pos));
                if (n <= 0) {
                    throw new IOException("range " + start + "-" + end + " ended at byte " + pos);
                }
                Wiper.writeFully(ch, ByteBuffer.wrap(buf, 0, n), pos);
                pos += n;
                httpBytes.addAndGet(n);
            }
        }
        synchronized (httpRanges) {
            httpRanges.add(new long[] {start, end});
        }
    }

    /** Read back and check; a block-map range that fails is fetched again over HTTP once, as unicast does. */
    private void verify(FileChannel ch, Job.ImageRef image, ImageCheck check, URI uri) throws IOException {
        ImageCheck.Verification v = check.finish(ch);
        if (!v.badRanges().isEmpty()) {
            byte[] buf = new byte[BUFFER];
            for (Job.BlockRange r : v.badRanges()) {
                ctx.log("range " + r.offset() + "+" + r.length() + " failed verification; fetching it again");
                fetch(ch, uri, r.offset(), r.offset() + r.length(), buf);
            }
            v = ImageCheck.check(ch, image);
        }
        if (!v.ok()) {
            throw new IOException("image verification failed: " + v.failure());
        }
        ch.force(true);
        ctx.log("image verified by reading it back (sha256 " + image.sha256().substring(0, 12) + "...)");
    }

    private long present(ImageLayout layout) {
        BlockBitmap b = bitmap.get();
        return b == null ? 0 : layout.presentBytes(b);
    }

    private static ImageLayout layout(Job.ImageRef image) {
        List<ImageLayout.Range> ranges = new ArrayList<>();
        for (Job.BlockRange r : image.blockMap()) {
            ranges.add(new ImageLayout.Range(r.offset(), r.offset() + r.length()));
        }
        return ImageLayout.mapped(image.sizeBytes(), ranges);
    }

    /** The interface with the boot MAC, else the one with the route to the runtime, else the configured name. */
    private NetworkInterface bootInterface() throws IOException {
        if (config.multicastInterface != null) {
            NetworkInterface nif = NetworkInterface.getByName(config.multicastInterface);
            if (nif == null) {
                throw new IOException("no interface " + config.multicastInterface);
            }
            return nif;
        }
        if (config.mac != null) {
            for (NetworkInterface nif : NetworkInterface.networkInterfaces().toList()) {
                byte[] hw = nif.getHardwareAddress();
                if (hw != null && HexFormat.ofDelimiter(":").formatHex(hw).equalsIgnoreCase(config.mac)) {
                    return nif;
                }
            }
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(config.runtime.getHost(), 9)); // no packet: only a route lookup
            NetworkInterface nif = NetworkInterface.getByInetAddress(probe.getLocalAddress());
            if (nif != null) {
                return nif;
            }
        } catch (SocketException | IllegalArgumentException | NullPointerException e) {
            // no runtime host to route to: fall through
        }
        throw new IOException("cannot tell the boot interface (no NIC with MAC " + config.mac + ")");
    }

    /** {@code <stateDir>/multicast/<target with _ for />-<sha256>.bitmap}. */
    static Path stateFile(Path stateDir, Path target, String sha256) {
        return stateDir.resolve("multicast").resolve(targetKey(target) + "-" + sha256.toLowerCase(Locale.ROOT)
                + ".bitmap");
    }

    private static String targetKey(Path target) {
        return target.toAbsolutePath().normalize().toString().replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /** Deletes every saved bitmap of {@code target}: anything else written to it makes them stale. */
    static void forget(Path stateDir, Path target) throws IOException {
        forgetOthers(stateDir, target, null);
    }

    private static void forgetOthers(Path stateDir, Path target, Path keep) throws IOException {
        Path dir = stateDir.resolve("multicast");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, targetKey(target) + "-*")) {
            for (Path f : files) {
                if (!f.equals(keep)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /**
     * Once a second: snapshot the bitmap, fdatasync the target, then save the snapshot (so it never names a block
     * that is not durable); report progress; read back and hash the complete prefix of the image.
     */
    private final class Checkpoints {
        private final FileChannel ch;
        private final Path file;
        private final byte[] sha;
        private final ImageLayout layout;
        private final Progress progress;
        private final ImageCheck check;
        private Thread thread;
        private volatile boolean running;

        Checkpoints(FileChannel ch, Path file, byte[] sha, ImageLayout layout, Progress progress, ImageCheck check) {
            this.ch = ch;
            this.file = file;
            this.sha = sha;
            this.layout = layout;
            this.progress = progress;
            this.check = check;
        }

        void start() {
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    try {
                        Thread.sleep(config.checkpointInterval.toMillis());
                        save();
                        progress.update(present(layout));
                        BlockBitmap b = bitmap.get();
                        if (b != null) { // the complete prefix is final: verify it now, not all at DONE
                            check.advance(ch, b.start(b.nextMissing(0)));
                        }
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        ctx.log("saving the multicast state failed: " + e.getMessage());
                    }
                }
            }, "multicast-checkpoint");
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void save() throws IOException {
            BlockBitmap b = bitmap.get();
            if (b == null) {
                return;
            }
            BitSet snapshot = b.snapshot();
            ch.force(false);
            b.save(file, sha, snapshot);
        }

        void stop() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.interrupt();
                thread.join();
                thread = null;
            }
        }
    }
}
