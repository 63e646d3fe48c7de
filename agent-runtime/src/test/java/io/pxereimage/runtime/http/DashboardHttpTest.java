package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The dashboard's files over real HTTP: served at /ui/ with strict headers, everything index.html references is
 * there, nothing is fetched from another origin, no path leaves the fixed list; and the login check
 * ({@code GET /api/v1/session}) that wants a real token even where reads are open.
 */
class DashboardHttpTest extends HttpServerFixture {
    static final Pattern REFERENCE = Pattern.compile("(?:src|href)=\"([^\"#]+)\"");

    @Test
    void theDashboardIsServedWithStrictHeadersAndEveryFileItReferences() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        HttpResponse<String> index = get("/ui/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'")
                .contains("script-src 'self'").doesNotContain("unsafe");
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.body()).contains("id=\"login-token\"").contains("id=\"confirm-dialog\"");

        List<String> refs = new ArrayList<>();
        Matcher m = REFERENCE.matcher(index.body());
        while (m.find()) {
            refs.add(m.group(1));
        }
        assertThat(refs).contains("app.js", "style.css", "favicon.svg");
        for (String ref : refs) {
            HttpResponse<String> r = get("/ui/" + ref);
            assertThat(r.statusCode()).as("/ui/%s", ref).isEqualTo(200);
            assertThat(r.body()).as("/ui/%s", ref).isNotEmpty();
        }
        assertThat(get("/ui/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/ui/style.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @Test
    void noFileFetchesAnythingFromAnotherOriginOrWritesHtmlFromData() throws IOException {
        for (String name : DashboardFiles.FILES) {
            String text = resource(name);
            assertThat(text).as(name).doesNotContainPattern("(?i)(src|href|url\\()\\s*=?\\s*[\"']?(https?:)?//");
            assertThat(text).as(name).doesNotContain("cdn.").doesNotContain("googleapis");
        }
        String js = resource("app.js");
        assertThat(js).as("text goes in through textContent only").doesNotContain("innerHTML")
                .doesNotContain("insertAdjacentHTML").doesNotContain("document.write").doesNotContain("eval(");
        assertThat(js).as("the token stays in this tab").contains("sessionStorage").doesNotContain("localStorage")
                .doesNotContain("document.cookie");
        assertThat(resource("index.html")).as("no inline script or style (the CSP forbids them)")
                .doesNotContainPattern("<script>|<script [^>]*>[^<]+</script>|style=\"");
    }

    @Test
    void redirectsToUiAndNothingOutsideTheFixedList() throws Exception {
        start(TOKEN, new SimpleMeterRegistry());
        for (String p : List.of("/", "/ui")) {
            HttpResponse<String> r = get(p);
            assertThat(r.statusCode()).as(p).isEqualTo(302);
            assertThat(r.headers().firstValue("Location")).hasValue("/ui/");
        }
        for (String p : List.of("/ui/nope.js", "/ui/dashboard/app.js", "/ui/%2e%2e/simplelogger.properties",
                "/ui/db/migration/V1__pool.sql", "/ui/../simplelogger.properties")) {
            assertThat(get(p).statusCode()).as(p).isIn(403, 404);
        }
        assertThat(send("DELETE", "/ui/", null).statusCode()).isEqualTo(405);
    }

    @Test
    void dashboardEndpointsNeedARealTokenEvenWhereReadsAreOpen() throws Exception {
        start((String) null, new SimpleMeterRegistry()); // read-only runtime: GETs pass as anonymous
        assertThat(get("/api/v1/machines").statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/session").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/session", "Authorization", "Bearer whatever-0123456789").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/activity").statusCode()).as("boot activity names MACs").isEqualTo(401);
        assertThat(get("/api/v1/live").statusCode()).as("the live stream").isEqualTo(401);
        server.close();

        start(TOKEN, new SimpleMeterRegistry());
        assertThat(get("/api/v1/session").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/session", "Authorization", "Bearer wrong-0123456789abc").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = get("/api/v1/session", "Authorization", "Bearer " + TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"name\":\"admin\"").contains("\"role\":\"admin\"").doesNotContain(TOKEN);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DashboardFiles.class.getResourceAsStream("/dashboard/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
