package io.pxereimage.runtime.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.pxereimage.runtime.image.ImageCatalog;

/**
 * The server's one request handler: checks the request is well-formed, decodes the path once and hands it to
 * the route that owns its prefix. Routes answer synchronously and in order, so pipelined requests on a
 * keep-alive connection get their responses in order.
 *
 * <p>Nothing here may end the server: a bad request gets 400 and its connection closed; an unexpected exception
 * closes that one connection and is logged.
 */
@Sharable
final class Routes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    private final BootScripts scripts;
    private final StaticFiles files;
    private final ApiRoute api;
    private final ImageCatalog images;
    private final PrometheusMeterRegistry prometheus;
    private final HttpMetrics metrics;
    private volatile io.pxereimage.runtime.activity.Activity activity;

    Routes(BootScripts scripts, StaticFiles files, ApiRoute api, ImageCatalog images,
            PrometheusMeterRegistry prometheus, HttpMetrics metrics) {
        this.scripts = scripts;
        this.files = files;
        this.api = api;
        this.images = images;
        this.prometheus = prometheus;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (SseStream.streaming(ctx.channel())) {
            // The response to the previous request never ends: a request after it cannot be answered in order.
            LOG.debug("HTTP request on an event-stream connection from {}: closing it", remote(ctx));
            ctx.close();
            return;
        }
        if (req.decoderResult().isFailure()) {
            LOG.debug("HTTP 400 malformed request from {}: {}", remote(ctx), req.decoderResult().cause().toString());
            bad(ctx, req, "malformed request");
            return;
        }
        String uri = req.uri();
        String path;
        try {
            if (!uri.startsWith("/")) {
                throw new IllegalArgumentException("not an origin-form request target");
            }
            path = new QueryStringDecoder(uri).path();
        } catch (IllegalArgumentException e) {
            bad(ctx, req, "bad request target");
            return;
        }
        Exchange ex = new Exchange(ctx, req.method(), path, HttpUtil.isKeepAlive(req), metrics);
        ex.activity = activity;
        try {
            route(ex, req);
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {}: unexpected error, closing the connection", req.method(),
                    StaticFiles.printable(path), e);
            ctx.close();
        }
    }

    private void route(Exchange ex, FullHttpRequest req) {
        String path = ex.path;
        String range = req.headers().get(HttpHeaderNames.RANGE);
        String ifRange = req.headers().get(HttpHeaderNames.IF_RANGE);
        if (path.startsWith("/boot/")) {
            ex.route = "boot";
            scripts.serve(ex, path.substring("/boot/".length()), req.headers().get(HttpHeaderNames.HOST));
        } else if (path.startsWith("/files/")) {
            ex.route = "files";
            files.serve(ex, files.lookupFile(path.substring("/files/".length())), range, ifRange);
        } else if (path.startsWith("/loaders/")) {
            ex.route = "loaders";
            files.serve(ex, files.lookupLoader(path.substring("/loaders/".length())), range, ifRange);
        } else if (path.startsWith("/images/")) {
            ex.route = "images";
            files.serve(ex, image(path.substring("/images/".length())), range, ifRange);
        } else if (path.equals(ApiRoute.PREFIX) || path.startsWith(ApiRoute.PREFIX + "/")) {
            ex.route = "api";
            api.serve(ex, req.uri(), req.headers(), ByteBufUtil.getBytes(req.content()));
        } else if (path.equals("/healthz")) {
            ex.route = "healthz";
            if (readOnly(ex)) {
                ex.send(HttpResponseStatus.OK, Exchange.JSON, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8),
                        Map.of("Cache-Control", "no-store"), false);
            }
        } else if (path.equals("/metrics")) {
            ex.route = "metrics";
            if (!readOnly(ex)) {
                return;
            }
            if (prometheus == null) {
                ex.text(HttpResponseStatus.NOT_FOUND, "no Prometheus registry configured");
            } else {
                ex.send(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                        prometheus.scrape().getBytes(StandardCharsets.UTF_8), Map.of(), false);
            }
        } else {
            ex.text(HttpResponseStatus.NOT_FOUND, "not found");
        }
    }

    /** {@code /images/<sha256>}: the catalog's file for that raw-image digest, through the static-file path. */
    private FileRoot.Lookup image(String sha256) {
        if (images == null) {
            return new FileRoot.NotFound("this runtime serves no images");
        }
        Optional<Path> file = images.fileFor(sha256);
        if (file.isEmpty()) {
            return new FileRoot.NotFound("no such image");
        }
        try {
            return FileRoot.regularFile(file.get().toRealPath());
        } catch (IOException | SecurityException e) {
            return new FileRoot.NotFound("image file is missing");
        }
    }

    private static boolean readOnly(Exchange ex) {
        String m = ex.method.name();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        ex.methodNotAllowed("GET, HEAD");
        return false;
    }

    private void bad(ChannelHandlerContext ctx, FullHttpRequest req, String reason) {
        new Exchange(ctx, req.method(), "", false, metrics).send(HttpResponseStatus.BAD_REQUEST, Exchange.TEXT,
                (reason + "\n").getBytes(StandardCharsets.UTF_8), Map.of(), true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.debug("HTTP closing idle connection from {}", remote(ctx));
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("HTTP connection from {} failed: {}", remote(ctx), cause.toString());
        } else {
            LOG.warn("HTTP connection from {} failed, closing it", remote(ctx), cause);
        }
        ctx.close();
    }

    void activity(io.pxereimage.runtime.activity.Activity a) {
        this.activity = a;
    }

    static String remote(ChannelHandlerContext ctx) {
        var a = ctx.channel().remoteAddress();
        return a == null ? "?" : a.toString().replaceFirst("^/", "");
    }
}
