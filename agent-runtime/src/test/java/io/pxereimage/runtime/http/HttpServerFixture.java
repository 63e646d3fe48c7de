package io.pxereimage.runtime.http;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.MeterRegistry;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.net.MacAddress;

/** A server on an ephemeral loopback port, with the JDK's HTTP client; subclasses hold the tests. */
abstract class HttpServerFixture {
    static final String TOKEN = "tok-7f3a9c2e51d84b6a";
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @TempDir
    Path tmp;
    final MachineRegistry registry = new MachineRegistry();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    HttpServer server;
    /** Deploy services a test gave the server, if any: closed after the server that uses them. */
    DeployServices deploy;
    String base;

    int start(String token, MeterRegistry meters) throws Exception {
        return start(HttpConfig.defaults().withApiToken(token), meters);
    }

    int start(HttpConfig template, MeterRegistry meters) throws Exception {
        return startServer(new HttpServer(loopback(template), registry, meters));
    }

    /** {@code template} on an ephemeral loopback port, serving files and loaders from {@code tmp}. */
    HttpConfig loopback(HttpConfig template) {
        return template.withBind(InetAddress.getLoopbackAddress(), 0).withFilesRoot(tmp).withLoaderDir(tmp);
    }

    /** Starts {@code s} (closed after the test) and points {@code base} at it; returns its port. */
    int startServer(HttpServer s) throws Exception {
        server = s;
        int port = server.start();
        base = "http://127.0.0.1:" + port;
        return port;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (deploy != null) {
            deploy.close();
        }
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

}
