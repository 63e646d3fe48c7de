package io.pxereimage.runtime.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiAuthTest {
    @Test
    void withoutTokenReadsPassAndWritesAreRefused() {
        ApiAuth auth = new ApiAuth(null);
        assertThat(auth.tokenConfigured()).isFalse();
        assertThat(auth.check(null, false)).isEmpty();
        ApiResponse refused = auth.check("Bearer anything", true).orElseThrow();
        assertThat(refused.status()).isEqualTo(403);
        assertThat(((ApiResponse.Error) refused.body()).error()).contains("configure an API token");
    }

    @Test
    void withTokenEveryCallNeedsIt() {
        ApiAuth auth = new ApiAuth("s3cret-token");
        for (String h : new String[] {null, "", "Bearer", "Bearer ", "Basic s3cret-token", "Bearer s3cret-toke",
                "Bearer s3cret-token2", "s3cret-token"}) {
            ApiResponse r = auth.check(h, false).orElseThrow();
            assertThat(r.status()).as(h).isEqualTo(401);
            assertThat(r.headers().get("WWW-Authenticate")).startsWith("Bearer");
            assertThat(new String(r.json())).doesNotContain("s3cret");
        }
        assertThat(auth.check("Bearer s3cret-token", false)).isEmpty();
        assertThat(auth.check("bearer  s3cret-token ", true)).isEmpty();
    }
}
