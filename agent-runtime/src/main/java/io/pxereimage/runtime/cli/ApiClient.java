package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import io.pxereimage.runtime.device.Json;

/** A small JSON client of {@code /api/v1} for the CLI. Errors become {@link Failure} with the server's reason. */
final class ApiClient {
    /** A call that did not succeed; the message is ready to print. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ApiClient(String url, String token) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.token = token;
    }

    JsonNode get(String path) throws Failure, InterruptedException {
        return call("GET", path, null);
    }

    JsonNode post(String path, Object body) throws Failure, InterruptedException {
        return call("POST", path, body);
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, Object body) throws Failure, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
                .timeout(Duration.ofMinutes(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? MissingNode.getInstance() : Json.MAPPER.readTree(r.body());
            if (r.statusCode() >= 300) {
                String why = json.path("error").asText("HTTP " + r.statusCode());
                throw new Failure(method + " " + path + ": " + r.statusCode() + " " + why);
            }
            return json;
        } catch (ConnectException e) {
            throw new Failure("cannot connect to " + base + " (is the runtime running? --url)");
        } catch (IOException e) {
            throw new Failure(method + " " + path + ": " + e.getMessage());
        }
    }
}
