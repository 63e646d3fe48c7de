package io.pxereimage.runtime.api;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.pxereimage.runtime.device.Secrets;

/**
 * Bearer-token check for {@code /api/v1}: resolves a request to a {@link Principal} (a token's name and role) or
 * to the refusal to send.
 *
 * <p>With tokens configured every call needs {@code Authorization: Bearer <token>} of one of them; a
 * {@link ApiToken.Role#VIEWER viewer} may only read (GET, HEAD). Without any token the API is read-only and
 * anonymous: reads pass as {@link #ANONYMOUS}, changes are refused, so a default install never accepts writes
 * from anyone who can reach the port.
 *
 * <p>Constant time: the presented token's SHA-256 is compared with {@link MessageDigest#isEqual} against the
 * digest of <em>every</em> configured token, without stopping at a match, so neither which token matched nor
 * content or length of any token leaks through timing. Tokens are never logged or echoed.
 */
public final class ApiAuth {
    /** Who calls when no token is configured (reads only). */
    public static final Principal ANONYMOUS = new Principal("anonymous", ApiToken.Role.VIEWER);

    /** The caller of an API request, as the audit log names it. */
    public record Principal(String name, ApiToken.Role role) {
        public boolean admin() {
            return role == ApiToken.Role.ADMIN;
        }
    }

    /** Either a principal (the call may proceed) or the refusal to send ({@code principal} may still be known: 403). */
    public record Decision(Principal principal, ApiResponse refusal) {
        public boolean allowed() {
            return refusal == null;
        }
    }

    private record Entry(Principal principal, byte[] digest) {
    }

    private final List<Entry> tokens;

    /** @param token the single admin token (named {@code admin}), or {@code null}/blank for a read-only API */
    public ApiAuth(String token) {
        this(token == null || token.isBlank() ? List.of() : List.of(ApiToken.admin(token)));
    }

    /**
     * @param tokens the named tokens; empty for a read-only API
     * @throws IllegalArgumentException {@code tokens: ...} when two share a name or a secret
     */
    public static ApiAuth of(List<ApiToken> tokens) {
        return new ApiAuth(tokens);
    }

    private ApiAuth(List<ApiToken> tokens) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ApiToken t : tokens) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tokens: the name " + t.name() + " is given twice");
            }
            byte[] d = Secrets.sha256(t.secret());
            for (Entry e : entries) {
                if (MessageDigest.isEqual(e.digest(), d)) {
                    throw new IllegalArgumentException("tokens: " + e.principal().name() + " and " + t.name()
                            + " have the same token; give each its own");
                }
            }
            entries.add(new Entry(new Principal(t.name(), t.role()), d));
        }
        this.tokens = List.copyOf(entries);
    }

    public boolean tokenConfigured() {
        return !tokens.isEmpty();
    }

    /**
     * @param authorization the Authorization header, or {@code null}
     * @param mutation whether the call changes state (PUT, POST, DELETE, ...)
     */
    public Decision authorize(String authorization, boolean mutation) {
        if (tokens.isEmpty()) {
            return mutation ? new Decision(ANONYMOUS, ApiResponse.error(403,
                    "the API is read-only: configure an API token on the runtime to allow changes"))
                    : new Decision(ANONYMOUS, null);
        }
        Optional<Principal> who = resolve(authorization);
        if (who.isEmpty()) {
            return new Decision(null, unauthorized(Secrets.bearer(authorization) == null ? "missing bearer token"
                    : "invalid bearer token"));
        }
        if (mutation && !who.get().admin()) {
            return new Decision(who.get(), ApiResponse.error(403, "role: " + who.get().name() + " is a "
                    + who.get().role().wireName() + " and may only read (GET); changes need an admin token"));
        }
        return new Decision(who.get(), null);
    }

    /** The refusal only, for callers that need no principal; empty when the call may proceed. */
    public Optional<ApiResponse> check(String authorization, boolean mutation) {
        return Optional.ofNullable(authorize(authorization, mutation).refusal());
    }

    /** The token's principal; compares with every configured token (constant time in which one matches). */
    private Optional<Principal> resolve(String authorization) {
        String presented = Secrets.bearer(authorization);
        byte[] d = Secrets.sha256(presented == null ? "" : presented);
        Principal found = null;
        for (Entry e : tokens) {
            if (MessageDigest.isEqual(e.digest(), d) & presented != null) {
                found = e.principal();
            }
        }
        return Optional.ofNullable(found);
    }

    /** 401 with the header that tells a client to send a bearer token. */
    public static ApiResponse unauthorized(String message) {
        return ApiResponse.error(401, message).withHeader("WWW-Authenticate", "Bearer realm=\"pxe-runtime\"");
    }
}
