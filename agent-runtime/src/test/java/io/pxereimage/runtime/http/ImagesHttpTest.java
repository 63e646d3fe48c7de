package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.testing.DeployRig;
import io.pxereimage.runtime.testing.FakeAgent;

/** {@code /images/<sha256>}: the static-file path (Range, 206, 416), local and fetched-and-cached images. */
class ImagesHttpTest {
    @TempDir
    Path tmp;
    DeployRig rig;

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(rig.base + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return rig.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void imagesAreServedWithRanges() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        byte[] img = DeployHttpTest.image();
        String sha = rig.addImage("demo", img);
        HttpResponse<byte[]> part = get("/images/" + sha, "Range", "bytes=1000-1999");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("content-range")).hasValue("bytes 1000-1999/" + img.length);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(img, 1000, 2000));
        HttpResponse<byte[]> whole = get("/images/" + sha);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(img);
        assertThat(get("/images/" + sha, "Range", "bytes=" + img.length + "-").statusCode()).isEqualTo(416);
        HttpResponse<String> head = rig.send("HEAD", "/images/" + sha, null);
        assertThat(head.headers().firstValueAsLong("content-length")).hasValue(img.length);
        assertThat(get("/images/" + "0".repeat(64)).statusCode()).isEqualTo(404);
        assertThat(get("/images/" + sha.toUpperCase()).statusCode()).isEqualTo(404);
    }

    @Test
    void remoteImageIsFetchedVerifiedAndServedFromTheCache() throws Exception {
        rig = new DeployRig(tmp, Clock.systemUTC(), List.of());
        byte[] img = DeployHttpTest.image();
        // The "remote" server is this runtime's own /files/ route: loopback only.
        Path gz = tmp.resolve("files").resolve("remote.img.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(img);
        }
        String url = rig.base + "/files/remote.img.gz";
        HttpResponse<String> wrong = rig.admin("POST", "/api/v1/images", "{\"name\":\"r\",\"source\":\"" + url
                + "\",\"sha256\":\"" + "a".repeat(64) + "\"}");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("sha256: the raw image hashes to");
        HttpResponse<String> added = rig.admin("POST", "/api/v1/images", "{\"name\":\"r\",\"source\":\"" + url + "\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        JsonNode entry = FakeAgent.json(added);
        assertThat(entry.path("compression").asText()).isEqualTo("gzip");
        assertThat(entry.path("sizeBytes").asLong()).isEqualTo(img.length);
        assertThat(entry.path("storedBytes").asLong()).isEqualTo(Files.size(gz));
        String sha = entry.path("sha256").asText();
        Files.delete(gz); // served from the cache now, not from the source
        HttpResponse<byte[]> served = get("/images/" + sha);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).hasSize((int) entry.path("storedBytes").asLong());
        assertThat(Files.exists(tmp.resolve("data/images").resolve(sha))).isTrue();
        try (var files = Files.list(tmp.resolve("data/images"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(sha);
        }
    }
}
