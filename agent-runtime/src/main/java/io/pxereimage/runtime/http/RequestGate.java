package io.pxereimage.runtime.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits before the aggregator and refuses request bodies outside {@code /api/}: boot scripts, files and health
 * take none, so nobody gets to park up to the aggregator's limit in memory on those routes. One instance per
 * connection (it remembers that it is discarding the rest of a refused request).
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private final HttpMetrics metrics;
    private boolean discarding;

    RequestGate(HttpMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req && req.decoderResult().isSuccess() && !req.uri().startsWith("/api/")
                && (HttpUtil.getContentLength(req, 0L) > 0 || HttpUtil.isTransferEncodingChunked(req))) {
            discarding = true;
            ReferenceCountUtil.release(msg);
            new Exchange(ctx, req.method(), req.uri(), false, metrics)
                    .send(HttpResponseStatus.BAD_REQUEST, Exchange.TEXT,
                            "request body not allowed here\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            java.util.Map.of(), true);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
