package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.MachinesResource;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.election.ElectionStatus;

/** Routing below {@code /api/v1}, without sockets. */
class ApiRouteTest {
    final MachineRegistry registry = new MachineRegistry();
    final ApiRoute withToken = new ApiRoute(new MachinesResource(registry), new ApiAuth("t0ken"));
    final ApiRoute readOnly = new ApiRoute(new MachinesResource(registry), new ApiAuth((String) null));
    static final byte[] BODY = "{\"kernel\":\"vmlinuz\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void authComesBeforeRouting() {
        assertThat(withToken.dispatch("GET", "/nothing", null, null).status()).isEqualTo(401);
        assertThat(withToken.dispatch("GET", "/nothing", "Bearer t0ken", null).status()).isEqualTo(404);
        assertThat(readOnly.dispatch("PUT", "/nothing", null, BODY).status()).isEqualTo(403);
    }

    @Test
    void routes() {
        String auth = "Bearer t0ken";
        assertThat(withToken.dispatch("PUT", "/machines/525400123456", auth, BODY).status()).isEqualTo(201);
        assertThat(withToken.dispatch("GET", "/machines", auth, null).status()).isEqualTo(200);
        assertThat(withToken.dispatch("GET", "/machines/", auth, null).status()).isEqualTo(200);
        assertThat(withToken.dispatch("HEAD", "/machines/52:54:00:12:34:56", auth, null).status()).isEqualTo(200);
        assertThat(withToken.dispatch("DELETE", "/machines/52-54-00-12-34-56", auth, null).status()).isEqualTo(204);
        assertThat(withToken.dispatch("GET", "/machines/52:54:00:12:34:56/extra", auth, null).status())
                .isEqualTo(404);
        ApiResponse post = withToken.dispatch("POST", "/machines/525400123456", auth, BODY);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("Allow", "GET, PUT, DELETE");
        assertThat(withToken.dispatch("DELETE", "/machines", auth, null).headers()).containsEntry("Allow", "GET");
    }

    @Test
    void readOnlyApiStillReads() {
        assertThat(readOnly.dispatch("GET", "/machines", null, null).status()).isEqualTo(200);
        assertThat(readOnly.dispatch("GET", "/machines/525400123456", null, null).status()).isEqualTo(404);
        assertThat(readOnly.dispatch("DELETE", "/machines/525400123456", null, null).status()).isEqualTo(403);
    }

    @Test
    void electionStatusWhenConfigured() {
        assertThat(readOnly.dispatch("GET", "/election", null, null).status()).isEqualTo(404);
        ElectionStatus.Member self = new ElectionStatus.Member("1", "10.0.0.1", 100, "responder", false, 0, true);
        readOnly.election(() -> new ElectionStatus("10.0.0.0/24", 2012, "responder",
                1234, self, self, List.of(), 1000, 500, 1500, 3000));
        ApiResponse r = readOnly.dispatch("GET", "/election", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.json(), StandardCharsets.UTF_8)).contains("\"role\":\"responder\"")
                .contains("\"responder\":{\"id\":\"1\",\"address\":\"10.0.0.1\"");
        assertThat(readOnly.dispatch("POST", "/election", null, null).status()).isIn(403, 405);
        assertThat(withToken.dispatch("GET", "/election", null, null).status()).isEqualTo(401);
    }
}
