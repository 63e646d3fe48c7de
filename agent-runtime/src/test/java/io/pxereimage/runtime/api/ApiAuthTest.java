package io.pxereimage.runtime.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ApiAuthTest {
    static final ApiToken ADMIN = ApiToken.admin("s3cret-token");
    static final ApiToken ALICE = new ApiToken("alice", "alice-token-0123456789", ApiToken.Role.ADMIN);
    static final ApiToken BOB = new ApiToken("bob", "bob-token-0123456789", ApiToken.Role.VIEWER);

    @Test
    void withoutTokenReadsPassAndWritesAreRefused() {
        ApiAuth auth = new ApiAuth((String) null);
        assertThat(auth.tokenConfigured()).isFalse();
        assertThat(auth.check(null, false)).isEmpty();
        assertThat(auth.authorize(null, false).principal()).isEqualTo(ApiAuth.ANONYMOUS);
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
        assertThat(auth.authorize("Bearer s3cret-token", true).principal())
                .isEqualTo(new ApiAuth.Principal("admin", ApiToken.Role.ADMIN));
    }

    @Test
    void namedTokensResolveToTheirPrincipalAndViewersOnlyRead() {
        ApiAuth auth = ApiAuth.of(List.of(ADMIN, ALICE, BOB));
        assertThat(auth.authorize("Bearer alice-token-0123456789", true).principal().name()).isEqualTo("alice");
        assertThat(auth.authorize("Bearer alice-token-0123456789", true).allowed()).isTrue();
        assertThat(auth.authorize("Bearer s3cret-token", false).principal().name()).isEqualTo("admin");
        ApiAuth.Decision read = auth.authorize("Bearer bob-token-0123456789", false);
        assertThat(read.allowed()).isTrue();
        assertThat(read.principal()).isEqualTo(new ApiAuth.Principal("bob", ApiToken.Role.VIEWER));
        ApiAuth.Decision write = auth.authorize("Bearer bob-token-0123456789", true);
        assertThat(write.allowed()).isFalse();
        assertThat(write.principal().name()).isEqualTo("bob");
        assertThat(write.refusal().status()).isEqualTo(403);
        assertThat(new String(write.refusal().json())).contains("bob is a viewer").doesNotContain("bob-token");
        ApiAuth.Decision unknown = auth.authorize("Bearer nobody-token-0123456789", false);
        assertThat(unknown.principal()).isNull();
        assertThat(unknown.refusal().status()).isEqualTo(401);
    }

    @Test
    void namesAndSecretsMustBeUnique() {
        assertThatThrownBy(() -> ApiAuth.of(List.of(ALICE, new ApiToken("alice", "other-0123456789", ApiToken.Role.VIEWER))))
                .hasMessage("tokens: the name alice is given twice");
        assertThatThrownBy(() -> ApiAuth.of(List.of(ALICE, new ApiToken("carol", ALICE.secret(), ApiToken.Role.VIEWER))))
                .hasMessage("tokens: alice and carol have the same token; give each its own")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ALICE.secret()));
        assertThat(ALICE.toString()).doesNotContain(ALICE.secret());
    }
}
