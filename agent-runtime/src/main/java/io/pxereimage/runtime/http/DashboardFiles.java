package io.pxereimage.runtime.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The dashboard's static files ({@code /ui/}, resources under {@code dashboard/}), read from the classpath once at
 * start. Nothing in them is secret: all data comes from {@code /api/v1} with the user's token, so the files are
 * served without one. A fixed list: no path from the request ever reaches the classpath lookup.
 */
final class DashboardFiles {
    static final String PREFIX = "/ui/";
    static final List<String> FILES = List.of("index.html", "app.js", "style.css", "favicon.svg");
    /** Everything from this origin only: no inline script, no CDN, no framing by other sites. */
    static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private record File(byte[] body, String type) {
    }

    private final Map<String, File> files = new LinkedHashMap<>();

    DashboardFiles() {
        for (String name : FILES) {
            try (InputStream in = DashboardFiles.class.getResourceAsStream("/dashboard/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard/" + name + " is missing from the runtime's jar");
                }
                files.put(name, new File(in.readAllBytes(), type(name)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** @param path the request path: {@code /}, {@code /ui}, or {@code /ui/<file>} */
    void serve(Exchange ex, String path) {
        if (!ex.method.name().equals("GET") && !ex.method.name().equals("HEAD")) {
            ex.methodNotAllowed("GET, HEAD");
            return;
        }
        if (path.equals("/") || path.equals("/ui")) {
            ex.send(HttpResponseStatus.FOUND, Exchange.TEXT, new byte[0], Map.of("Location", PREFIX), false);
            return;
        }
        String name = path.equals(PREFIX) ? "index.html" : path.substring(PREFIX.length());
        File f = files.get(name);
        if (f == null) {
            ex.text(HttpResponseStatus.NOT_FOUND, "not found");
            return;
        }
        ex.send(HttpResponseStatus.OK, f.type(), f.body(), Map.of("Cache-Control", "no-cache",
                "X-Content-Type-Options", "nosniff", "Content-Security-Policy", CSP, "Referrer-Policy", "no-referrer",
                "X-Frame-Options", "DENY"), false);
    }

    private static String type(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }
}
