package io.pxereimage.runtime.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request being answered: what the answer needs from the request (method, keep-alive) after Netty has
 * released it, plus helpers that count every response in the metrics exactly once.
 */
final class Exchange {
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    final ChannelHandlerContext ctx;
    final HttpMethod method;
    final String path;
    final boolean keepAlive;
    final HttpMetrics metrics;
    /** Where boot scripts and files served are recorded; null: nowhere. Set by the router. */
    io.pxereimage.runtime.activity.Activity activity;
    String route = "other";

    Exchange(ChannelHandlerContext ctx, HttpMethod method, String path, boolean keepAlive, HttpMetrics metrics) {
        this.ctx = ctx;
        this.method = method;
        this.path = path;
        this.keepAlive = keepAlive;
        this.metrics = metrics;
    }

    boolean head() {
        return HttpMethod.HEAD.equals(method);
    }

    /** A short plain-text answer (errors, health); the text ends with a newline for curl users. */
    void text(HttpResponseStatus status, String text) {
        send(status, TEXT, (text + "\n").getBytes(StandardCharsets.UTF_8), Map.of(), false);
    }

    void methodNotAllowed(String allow) {
        send(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "method not allowed\n".getBytes(StandardCharsets.UTF_8),
                Map.of("Allow", allow), false);
    }

    /**
     * Sends a complete response. The body is left out for HEAD, but Content-Length still tells its size.
     *
     * @param close close the connection after the response (malformed requests: the stream cannot be trusted)
     */
    void send(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers,
            boolean close) {
        boolean withBody = !head() && status.code() != 204 && status.code() != 304;
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                withBody ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
        if (contentType != null && body.length > 0) {
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (status.code() != 204) {
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        headers.forEach((k, v) -> resp.headers().set(k, v));
        metrics.request(route, status.code());
        if (withBody) {
            metrics.bytes(body.length);
        }
        write(resp, close);
    }

    /** Sets keep-alive on a response head whose body the caller streams itself (files). */
    void prepare(HttpResponse resp) {
        HttpUtil.setKeepAlive(resp, keepAlive);
    }

    /** Answers a HEAD with the head a GET would get (Content-Length included), and no body. */
    void sendHead(HttpResponse head) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
                Unpooled.EMPTY_BUFFER);
        resp.headers().set(head.headers());
        metrics.request(route, head.status().code());
        write(resp, false);
    }

    private void write(FullHttpResponse resp, boolean close) {
        boolean keep = keepAlive && !close;
        HttpUtil.setKeepAlive(resp, keep);
        if (!keep) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var f = ctx.writeAndFlush(resp);
        if (!keep) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
