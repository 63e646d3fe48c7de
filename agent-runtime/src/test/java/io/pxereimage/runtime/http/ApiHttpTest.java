package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.testing.LogCapture;

/** {@code /api/v1} over HTTP: CRUD, bearer token, read-only default, logs without the token. */
class ApiHttpTest extends HttpServerFixture {
    @Test
    void apiCrudWithToken() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        String auth = "Bearer " + TOKEN;
        String body = "{\"name\":\"rack1-07\",\"action\":\"boot\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.img\"],"
                + "\"cmdline\":\"console=ttyS0\"}";
        HttpResponse<String> created = send("PUT", "/api/v1/machines/52-54-00-12-34-56", body,
                "Authorization", auth, "Content-Type", "application/json");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(created.body()).contains("\"mac\":\"52:54:00:12:34:56\"", "\"name\":\"rack1-07\"");
        assertThat(registry.get(MAC)).isPresent();

        assertThat(get("/boot/52:54:00:12:34:56.ipxe").body()).contains("booting rack1-07");
        assertThat(get("/api/v1/machines", "Authorization", auth).body())
                .startsWith("[{").contains("\"initrds\":[\"initrd.img\"]");
        assertThat(get("/api/v1/machines/525400123456", "Authorization", auth).statusCode()).isEqualTo(200);

        HttpResponse<String> replaced = send("PUT", "/api/v1/machines/52:54:00:12:34:56",
                "{\"action\":\"local\"}", "Authorization", auth);
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(get("/boot/52:54:00:12:34:56.ipxe").body()).contains("exit");

        HttpResponse<String> invalid = send("PUT", "/api/v1/machines/52:54:00:12:34:56",
                "{\"action\":\"boot\"}", "Authorization", auth);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).isEqualTo("{\"error\":\"kernel: required for action \\\"boot\\\"\"}");

        assertThat(send("DELETE", "/api/v1/machines/52:54:00:12:34:56", null, "Authorization", auth).statusCode())
                .isEqualTo(204);
        assertThat(send("DELETE", "/api/v1/machines/52:54:00:12:34:56", null, "Authorization", auth).statusCode())
                .isEqualTo(404);
        assertThat(send("POST", "/api/v1/machines", "{}", "Authorization", auth).statusCode()).isEqualTo(405);
        assertThat(get("/api/v1/other", "Authorization", auth).statusCode()).isEqualTo(404);
    }

    @Test
    void apiNeedsTheRightTokenAndNeverLogsIt() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> none = get("/api/v1/machines");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("Bearer"));
            assertThat(get("/api/v1/machines", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
            assertThat(send("PUT", "/api/v1/machines/525400123456", "{\"kernel\":\"k\"}",
                    "Authorization", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
            assertThat(registry.list()).isEmpty();
            assertThat(send("PUT", "/api/v1/machines/525400123456?token=" + TOKEN, "{\"kernel\":\"k\"}",
                    "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(201);
            String logged = log.awaitContaining("HTTP API PUT /api/v1/machines/525400123456 -> 201");
            assertThat(logged).contains("-> 401").contains("-> 201").doesNotContain(TOKEN);
        }
    }

    @Test
    void withoutTokenTheApiIsReadOnly() throws Exception {
        registry.put(MachinePlan.boot(MAC, null, new BootSpec("vmlinuz", List.of(), "")));
        start((String) null, new SimpleMeterRegistry());
        assertThat(get("/api/v1/machines").statusCode()).isEqualTo(200);
        HttpResponse<String> put = send("PUT", "/api/v1/machines/525400123456", "{\"kernel\":\"k2\"}");
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(put.body()).contains("configure an API token");
        assertThat(send("DELETE", "/api/v1/machines/525400123456", null, "Authorization", "Bearer x").statusCode())
                .isEqualTo(403);
        assertThat(registry.get(MAC).orElseThrow().spec().kernel()).isEqualTo("vmlinuz");
    }

    @Test
    void oversizedApiBodyIs413() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        String big = "{\"kernel\":\"" + "k".repeat(HttpServer.DEFAULT_MAX_BODY) + "\"}";
        HttpResponse<String> r = send("PUT", "/api/v1/machines/525400123456", big, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }
}
