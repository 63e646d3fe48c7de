package io.pxereimage.runtime.http;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pxereimage.runtime.activity.Activity;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;

/**
 * Sends one file (or one byte range of it) without copying it through the heap: a {@link DefaultFileRegion}
 * ({@code sendfile(2)} with epoll, {@code transferTo} with NIO). Only when TLS sits in the pipeline, where
 * bytes must pass through the engine, it falls back to {@link ChunkedNioFile} with direct 64 KiB chunks.
 *
 * <p>Each transfer ends with one INFO line (size, duration, rate): iPXE fetching a kernel is a boot step
 * users want to see, and a slow rate is the first hint of a bad link.
 */
final class FileSender {
    private static final Logger LOG = LoggerFactory.getLogger(FileSender.class);
    private static final int CHUNK = 64 * 1024;
    private static final Map<String, String> TYPES = Map.of(
            "ipxe", "text/plain; charset=utf-8", "txt", "text/plain; charset=utf-8", "cfg", "text/plain; charset=utf-8",
            "json", "application/json", "html", "text/html; charset=utf-8", "sha256", "text/plain; charset=utf-8",
            "iso", "application/x-iso9660-image", "zst", "application/zstd", "gz", "application/gzip");

    private FileSender() {
    }

    static void send(Exchange ex, Path file, BasicFileAttributes attrs, String rangeHeader, String ifRange) {
        FileChannel channel;
        long length;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            length = channel.size();
        } catch (IOException | SecurityException e) {
            LOG.info("HTTP file {} 404: cannot open ({})", ex.path, e.getClass().getSimpleName());
            ex.text(HttpResponseStatus.NOT_FOUND, "no such file");
            return;
        }
        String etag = "\"" + Long.toHexString(length) + "-" + Long.toHexString(attrs.lastModifiedTime().toMillis())
                + "\"";
        String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.ofInstant(attrs.lastModifiedTime().toInstant(), ZoneOffset.UTC));
        // If-Range: honour the range only for the very version the client already has part of.
        boolean rangeValid = ifRange == null || ifRange.equals(etag) || ifRange.equals(lastModified);
        ByteRange.Result wanted = ByteRange.parse(rangeValid ? rangeHeader : null, length);

        if (wanted instanceof ByteRange.Unsatisfiable) {
            close(channel);
            ex.send(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, Exchange.TEXT,
                    "range not satisfiable\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Map.of("Content-Range", "bytes */" + length, "Accept-Ranges", "bytes"), false);
            return;
        }
        long start = 0;
        long count = length;
        HttpResponseStatus status = HttpResponseStatus.OK;
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        if (wanted instanceof ByteRange.Partial p) {
            start = p.range().first();
            count = p.range().length();
            status = HttpResponseStatus.PARTIAL_CONTENT;
            resp.setStatus(status);
            resp.headers().set(HttpHeaderNames.CONTENT_RANGE, p.range().contentRange(length));
        }
        // By the requested name: a published "initrd.gz" may be a file called anything on disk.
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType(ex.path));
        resp.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        resp.headers().set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        resp.headers().set(HttpHeaderNames.ETAG, etag);
        HttpUtil.setContentLength(resp, count);
        ex.prepare(resp);

        if (ex.head()) {
            close(channel);
            ex.sendHead(resp);
            return;
        }
        ex.metrics.request(ex.route, status.code());
        stream(ex, resp, channel, start, count, length);
    }

    private static java.net.InetAddress clientAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a ? a.getAddress() : null;
    }

    private static void stream(Exchange ex, HttpResponse resp, FileChannel channel, long start, long count,
            long length) {
        ChannelHandlerContext ctx = ex.ctx;
        long began = System.nanoTime();
        ctx.write(resp);
        ChannelProgressivePromise body = ctx.newProgressivePromise();
        long[] sent = {0}; // touched only on the event loop
        body.addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture f, long progress, long total) {
                sent[0] = progress;
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture f) {
                long bytes = f.isSuccess() ? count : sent[0];
                ex.metrics.bytes(bytes);
                double secs = Math.max(1e-6, (System.nanoTime() - began) / 1e9);
                String what = count == length ? "" : " range " + start + "-" + (start + count - 1) + "/" + length;
                if (ex.activity != null) {
                    ex.activity.record(Activity.Kind.HTTP, clientAddress(ctx), "file " + ex.path + what + " "
                            + (f.isSuccess() ? size(count) + " in " + String.format(Locale.ROOT, "%.1f", secs) + " s"
                            : "aborted after " + size(bytes) + " of " + size(count)));
                }
                if (f.isSuccess()) {
                    LOG.info("HTTP file {}{} {} in {} s ({}/s) to {}", ex.path, what, size(count),
                            String.format(Locale.ROOT, "%.3f", secs), size((long) (count / secs)), remote(ctx));
                } else {
                    LOG.info("HTTP file {}{} aborted after {} of {} ({}) to {}", ex.path, what, size(bytes),
                            size(count), f.cause() == null ? "cancelled" : f.cause().getMessage(), remote(ctx));
                }
            }
        });
        ChannelFuture last;
        if (ctx.pipeline().get(SslHandler.class) == null) {
            if (count > 0) {
                ctx.write(new DefaultFileRegion(channel, start, count), body);
            } else {
                close(channel);
                body.setSuccess();
            }
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            try {
                // HttpChunkedInput ends with the LastHttpContent itself.
                last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(channel, start, count, CHUNK)), body);
            } catch (IOException e) {
                close(channel);
                body.setFailure(e);
                ctx.close();
                return;
            }
        }
        if (!ex.keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        } else {
            last.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    static String contentType(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    /** Human size with binary units, e.g. {@code 12.3 MiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String remote(ChannelHandlerContext ctx) {
        var a = ctx.channel().remoteAddress();
        return a == null ? "?" : a.toString().replaceFirst("^/", "");
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing was lost
        }
    }
}
