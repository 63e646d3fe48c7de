package io.pxereimage.runtime.power;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.pxereimage.runtime.testing.Prerequisites;

/** Serves DMTF's public-rackmount1 mockup like a BMC would and records every request. */
final class RedfishMockup implements AutoCloseable {
    record Request(String method, String path, String body) {
    }

    static final String USER = "root";
    static final String PASSWORD = "s3cret-Pw";

    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** If-Match header of each non-GET request ("-" when absent). */
    final List<String> ifMatch = new CopyOnWriteArrayList<>();
    private final Path root;
    private final HttpServer server;

    private RedfishMockup(Path root, HttpServer server) {
        this.root = root;
        this.server = server;
        server.createContext("/", this::handle);
        server.start();
    }

    /** Plain HTTP on 127.0.0.1. */
    static RedfishMockup http() throws IOException {
        return new RedfishMockup(mockupDir(), HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    }

    static RedfishMockup https(SSLContext ssl) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl));
        return new RedfishMockup(mockupDir(), s);
    }

    URI base() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    /** -Dpxe.redfish.mockup=DIR, else the first ancestor of the working directory with shared/data. */
    static Path mockupDir() {
        String prop = System.getProperty("pxe.redfish.mockup");
        if (prop != null) {
            return Path.of(prop);
        }
        Path rel = Path.of("shared/data/redfish-mockup/public-rackmount1");
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(rel))) {
                return p.resolve(rel);
            }
        }
        Prerequisites.requireFiles("../../" + rel);
        throw new IllegalStateException("unreachable");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            requests.add(new Request(ex.getRequestMethod(), path, body));
            String expected = "Basic " + Base64.getEncoder()
                    .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply(ex, 401, "{\"error\":{\"code\":\"Base.1.0.GeneralError\",\"message\":\"Unauthorized\"}}");
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                String m = ex.getRequestHeaders().getFirst("If-Match");
                ifMatch.add(m == null ? "-" : m);
                reply(ex, 204, null);
                return;
            }
            String rest = path.replaceFirst("^/redfish/v1/?", "").replaceFirst("/$", "");
            Path file = root.resolve(rest).resolve("index.json").normalize();
            if (!path.startsWith("/redfish/v1") || !file.startsWith(root) || !Files.isRegularFile(file)) {
                reply(ex, 404, "{\"error\":{\"code\":\"Base.1.0.ResourceMissingAtURI\",\"message\":\"not found\"}}");
                return;
            }
            String json = Files.readString(file);
            ex.getResponseHeaders().set("ETag", "W/\"" + Integer.toHexString(json.hashCode()) + "\"");
            reply(ex, 200, json);
        }
    }

    private static void reply(HttpExchange ex, int code, String json) throws IOException {
        if (json == null) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
