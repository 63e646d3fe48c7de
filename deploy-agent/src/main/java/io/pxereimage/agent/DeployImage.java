package io.pxereimage.agent;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import io.airlift.compress.zstd.ZstdInputStream;
import io.pxereimage.protocol.Inventory;
import io.pxereimage.protocol.Job;
import io.pxereimage.protocol.JobResult;

/**
 * The {@code deploy-image} job (docs/agent-protocol.md, "deploy-image, step by step"). Any failure after the target
 * passed its checks wipes the target's ends, so a failed deploy never leaves a bootable disk.
 *
 * <p>Verification: the whole-image SHA-256 is computed while writing. A broken connection resumes below the
 * decompressor ({@link ResumingInputStream}), so the running hash stays exact across resumes and the disk is not
 * re-read (re-reading after fsync would mostly hit the page cache and double the time).
 */
final class DeployImage {
    private static final int BUFFER = 1 << 20;

    private final AgentConfig config;
    private final HttpClient http;
    private final JobContext ctx;
    private final BlockDevices devices;

    DeployImage(AgentConfig config, HttpClient http, JobContext ctx) {
        this.config = config;
        this.http = http;
        this.ctx = ctx;
        this.devices = new BlockDevices(config);
    }

    JobResult run(Job.DeployImage job) throws InterruptedException {
        Job.ImageRef image = job.image();
        Path target;
        long deviceSize;
        try {
            validate(image);
            if (job.firstBoot() != null) {
                FirstBootWriter.validate(job.firstBoot());
            }
            Inventory inventory = new InventoryCollector(config).collect();
            target = devices.resolve(job.target(), inventory, image.sizeBytes());
            String busy = devices.inUse(target);
            if (busy != null) {
                return fail("refusing target " + target + ": " + busy);
            }
            deviceSize = devices.size(target);
        } catch (IOException e) {
            return fail(e.getMessage());
        }
        ctx.log("deploying image " + image.name() + " (" + image.sizeBytes() + " bytes, " + compression(image)
                + (image.blockMap().isEmpty() ? "" : ", block map of " + image.blockMap().size() + " ranges")
                + ") to " + target + " (" + deviceSize + " bytes)");
        try {
            long needed = image.sizeBytes() + (job.firstBoot() != null ? FirstBootWriter.RESERVE : 0);
            if (deviceSize < needed) {
                throw new IOException("target " + target + " has " + deviceSize + " bytes, needs " + needed);
            }
            boolean viaMulticast = false;
            String actual = image.sha256();
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                if (job.multicast() != null) {
                    viaMulticast = !new MulticastDeploy(config, http, ctx).write(ch, target, image, job.multicast())
                            .fellBack();
                } else {
                    MulticastDeploy.forget(config.stateDir(), target); // saved multicast state is stale now
                }
                if (!viaMulticast) {
                    actual = image.blockMap().isEmpty() ? writeStream(ch, image) : writeBlockMap(ch, image);
                }
                ch.force(true);
            }
            if (!actual.equalsIgnoreCase(image.sha256())) {
                throw new IOException("image verification failed: sha256 " + actual + " != expected "
                        + image.sha256());
            }
            ctx.log("image written, fsynced and verified (sha256 " + actual.substring(0, 12) + "...)"
                    + (viaMulticast ? " via multicast" : ""));
            if (job.firstBoot() != null) {
                new FirstBootWriter(config, ctx::log).write(target, deviceSize, image.sizeBytes(), job.firstBoot(),
                        job.id());
                try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            return JobResult.succeeded("image " + image.name() + " written to " + target + " and verified");
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            wipeAfterFailure(target, deviceSize);
            return fail(reason);
        } catch (InterruptedException e) {
            wipeAfterFailure(target, deviceSize);
            throw e;
        }
    }

    private void wipeAfterFailure(Path target, long deviceSize) {
        try {
            MulticastDeploy.forget(config.stateDir(), target); // the wipe makes a saved bitmap a lie
        } catch (IOException e) {
            ctx.log("cannot delete the multicast state of " + target + ": " + e.getMessage());
        }
        try {
            Wiper.zeroEnds(target, deviceSize);
            ctx.log("deploy failed: zeroed first and last MiB of " + target);
        } catch (IOException e) {
            ctx.log("deploy failed AND wiping " + target + " failed: " + e.getMessage());
        }
    }

    private JobResult fail(String reason) {
        ctx.log("deploy-image failed: " + reason);
        return JobResult.failed(reason);
    }

    private String writeStream(FileChannel ch, Job.ImageRef image) throws IOException, InterruptedException {
        MessageDigest sha = sha256();
        Progress progress = new Progress(image.sizeBytes(), config.eventInterval, ctx::event);
        long pos = 0;
        try (ResumingInputStream net = download(URI.create(image.url()), 0, -1);
                InputStream raw = decoder(compression(image),
                        compression(image).equals("none") ? net : new BufferedInputStream(net, 256 * 1024));
                PipelinedWriter writer = new PipelinedWriter(ch, sha, 4, BUFFER)) {
            while (true) {
                byte[] buf = writer.take();
                int n = raw.readNBytes(buf, 0, buf.length);
                if (n <= 0) {
                    break;
                }
                if (pos + n > image.sizeBytes()) {
                    throw new IOException("image is larger than the declared " + image.sizeBytes() + " bytes");
                }
                writer.submit(buf, n, pos);
                pos += n;
                progress.update(pos);
            }
            writer.finish();
        }
        if (pos != image.sizeBytes()) {
            throw new IOException("image ended at byte " + pos + ", expected " + image.sizeBytes());
        }
        long rate = progress.finish(pos);
        ctx.log("wrote " + pos + " bytes at " + rate / 1_000_000 + " MB/s");
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Only the mapped ranges are fetched (Range requests on the raw image) and written; each is checked against its
     * own hash, re-fetched once on a mismatch. Gaps count as zeroes in the whole-image hash, as in bmaptool.
     */
    private String writeBlockMap(FileChannel ch, Job.ImageRef image) throws IOException {
        long total = image.blockMap().stream().mapToLong(Job.BlockRange::length).sum();
        MessageDigest whole = sha256();
        Progress progress = new Progress(total, config.eventInterval, ctx::event);
        byte[] buf = new byte[BUFFER];
        long hashedTo = 0;
        long done = 0;
        URI uri = URI.create(image.url());
        for (Job.BlockRange r : image.blockMap()) {
            hashZeros(whole, r.offset() - hashedTo, buf);
            MessageDigest before = clone(whole);
            for (int attempt = 1;; attempt++) {
                MessageDigest range = sha256();
                long pos = r.offset();
                long end = r.offset() + r.length();
                try (ResumingInputStream in = download(uri, r.offset(), end)) {
                    while (pos < end) {
                        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, end - pos));
                        if (n <= 0) {
                            throw new IOException("range at " + r.offset() + " ended at byte " + pos);
                        }
                        range.update(buf, 0, n);
                        whole.update(buf, 0, n);
                        Wiper.writeFully(ch, ByteBuffer.wrap(buf, 0, n), pos);
                        pos += n;
                        progress.update(done + pos - r.offset());
                    }
                }
                String got = HexFormat.of().formatHex(range.digest());
                if (got.equalsIgnoreCase(r.sha256())) {
                    break;
                }
                if (attempt >= 2) {
                    throw new IOException("range " + r.offset() + "+" + r.length() + " failed verification: sha256 "
                            + got + " != " + r.sha256());
                }
                ctx.log("range " + r.offset() + "+" + r.length() + " failed verification; fetching it again");
                whole = clone(before);
            }
            done += r.length();
            hashedTo = r.offset() + r.length();
        }
        hashZeros(whole, image.sizeBytes() - hashedTo, buf);
        long rate = progress.finish(done);
        ctx.log("wrote " + done + " mapped bytes of " + image.sizeBytes() + " at " + rate / 1_000_000 + " MB/s");
        return HexFormat.of().formatHex(whole.digest());
    }

    private ResumingInputStream download(URI uri, long start, long end) {
        return ResumingInputStream.open(config, http, uri, start, end, ctx::log);
    }

    static InputStream decoder(String compression, InputStream in) throws IOException {
        return switch (compression) {
            case "none" -> in; // read straight into the writer's buffers
            case "gzip" -> new GZIPInputStream(in, 64 * 1024);
            case "zstd" -> new ZstdInputStream(in);
            default -> throw new IOException("unsupported compression " + compression);
        };
    }

    static void validate(Job.ImageRef image) throws IOException {
        if (image == null || image.url() == null || image.sha256() == null || image.sizeBytes() <= 0) {
            throw new IOException("image needs url, sha256 and a positive sizeBytes");
        }
        if (!image.sha256().matches("[0-9a-fA-F]{64}")) {
            throw new IOException("image sha256 is not 64 hex digits");
        }
        String c = compression(image);
        if (!List.of("none", "gzip", "zstd").contains(c)) {
            throw new IOException("unsupported compression " + c);
        }
        long prevEnd = 0;
        for (Job.BlockRange r : image.blockMap()) {
            if (!c.equals("none")) {
                throw new IOException("a block map needs compression none (ranges of the raw image)");
            }
            if (r.offset() < prevEnd || r.length() <= 0 || r.offset() + r.length() > image.sizeBytes()
                    || r.sha256() == null) {
                throw new IOException("block map range " + r.offset() + "+" + r.length()
                        + " is unsorted, overlapping, empty, outside the image or without sha256");
            }
            prevEnd = r.offset() + r.length();
        }
    }

    private static String compression(Job.ImageRef image) {
        return image.compression() == null ? "none" : image.compression().toLowerCase(Locale.ROOT);
    }

    static void hashZeros(MessageDigest md, long count, byte[] scratch) {
        java.util.Arrays.fill(scratch, (byte) 0);
        for (long left = count; left > 0;) {
            int n = (int) Math.min(scratch.length, left);
            md.update(scratch, 0, n);
            left -= n;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest clone(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
