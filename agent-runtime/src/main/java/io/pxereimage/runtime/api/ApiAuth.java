package io.pxereimage.runtime.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import io.pxereimage.runtime.device.Secrets;

/**
 * Bearer-token check for {@code /api/v1}.
 *
 * <p>With a token configured every call needs {@code Authorization: Bearer <token>}. Without one the API is
 * read-only, so a default install never accepts writes from anyone who can reach the port.
 *
 * <p>The comparison is on SHA-256 digests with {@link MessageDigest#isEqual}: constant time, and equal-length
 * inputs, so neither content nor length of the token leaks through timing. The token is never logged or echoed.
 */
public final class ApiAuth {
    private final byte[] tokenDigest;

    /** @param token the API token, or {@code null}/blank for a read-only API */
    public ApiAuth(String token) {
        this.tokenDigest = token == null || token.isBlank() ? null : sha256(token);
    }

    public boolean tokenConfigured() {
        return tokenDigest != null;
    }

    /**
     * @param authorization the Authorization header, or {@code null}
     * @param mutation whether the call changes state (PUT, POST, DELETE, ...)
     * @return the refusal to send, or empty when the call may proceed
     */
    public Optional<ApiResponse> check(String authorization, boolean mutation) {
        if (tokenDigest == null) {
            if (mutation) {
                return Optional.of(ApiResponse.error(403,
                        "the API is read-only: configure an API token on the runtime to allow changes"));
            }
            return Optional.empty();
        }
        String presented = Secrets.bearer(authorization);
        if (presented == null) {
            return Optional.of(unauthorized("missing bearer token"));
        }
        if (!MessageDigest.isEqual(tokenDigest, sha256(presented))) {
            return Optional.of(unauthorized("invalid bearer token"));
        }
        return Optional.empty();
    }

    private static ApiResponse unauthorized(String message) {
        return ApiResponse.error(401, message).withHeader("WWW-Authenticate", "Bearer realm=\"pxe-runtime\"");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
