package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Connection handling: malformed input, keep-alive, limits, idle timeout, bind failures. */
class ConnectionsTest extends HttpServerFixture {
    @Test
    void malformedRequestsGet400AndTheServerKeepsServing() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        String[] bad = {
            "GARBAGE\r\n\r\n",
            "GET /" + "a".repeat(HttpServer.DEFAULT_MAX_INITIAL_LINE + 10) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(HttpServer.DEFAULT_MAX_HEADER_SIZE + 10)
                    + "\r\n\r\n",
            "GET /files/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://elsewhere/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n",
        };
        for (String b : bad) {
            String answer = RawHttp.exchange(port, b);
            assertThat(answer).as(b.length() > 60 ? b.substring(0, 60) : b).startsWith("HTTP/1.1 400");
            assertThat(get("/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        String raw = RawHttp.exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(raw.split("HTTP/1.1 ", -1)).hasSize(4);
        assertThat(raw).startsWith("HTTP/1.1 200").contains("HTTP/1.1 404");
        assertThat(raw.lastIndexOf("HTTP/1.1 200")).isGreaterThan(raw.indexOf("HTTP/1.1 404"));
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndOthersKeepWorking() throws Exception {
        int port = start(HttpConfig.defaults().withMaxConnections(2), new SimpleMeterRegistry());
        try (Socket a = open(port); Socket b = open(port)) {
            assertThat(request(a)).startsWith("HTTP/1.1 200");
            assertThat(request(b)).startsWith("HTTP/1.1 200");
            try (Socket c = open(port)) {
                assertThat(readOrEof(c)).isEqualTo(-1);
            }
            assertThat(request(a)).startsWith("HTTP/1.1 200");
        }
        // Closed connections free their slots.
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            try {
                status = get("/healthz").statusCode();
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        int port = start(HttpConfig.defaults().withIdleTimeout(Duration.ofMillis(300)), new SimpleMeterRegistry());
        try (Socket s = open(port)) {
            assertThat(request(s)).startsWith("HTTP/1.1 200");
            long t0 = System.nanoTime();
            assertThat(readOrEof(s)).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    private static Socket open(int port) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5000);
        return s;
    }

    /** One keep-alive GET /healthz on {@code s}; returns the response head and body. */

    private static String request(Socket s) throws Exception {
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] buf = new byte[4096];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    private static int readOrEof(Socket s) throws Exception {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException e) {
            return -1; // reset by the server: closed as well
        }
    }

    @Test
    void bindFailureIsAnIOExceptionAndPublishChecksItsFile() throws Exception {
        int port = start((String) null, new SimpleMeterRegistry());
        HttpServer second = new HttpServer(HttpConfig.defaults().withBind(InetAddress.getLoopbackAddress(), port),
                registry, new SimpleMeterRegistry());
        org.assertj.core.api.Assertions.assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class);
        second.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.publish("k", tmp.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.publish("../k", tmp))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }
}
