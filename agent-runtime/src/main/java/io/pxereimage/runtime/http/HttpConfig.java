package io.pxereimage.runtime.http;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.pxereimage.runtime.api.ApiToken;

/**
 * Settings of the runtime's HTTP server.
 *
 * @param bindAddress address to listen on ({@code 0.0.0.0} for all interfaces)
 * @param port TCP port; {@value #DEFAULT_PORT} by default, 0 for an ephemeral port (tests)
 * @param filesRoot directory served at {@code /files/}, or {@code null} to serve only published files
 * @param loaderDir directory served at {@code /loaders/} (iPXE binaries), {@code /usr/lib/ipxe} by default
 * @param apiToken bearer token for {@code /api/v1}; {@code null} makes the API read-only. Never printed.
 * @param maxConnections open connections beyond this are closed at once (a bound on memory and file handles)
 * @param idleTimeout a connection with neither reads nor write progress for this long is closed
 * @param tokens named API tokens with roles, besides {@code apiToken} (which is the token {@code admin})
 * @param auditLog the append-only audit log ({@code <dataDir>/audit.jsonl}), or {@code null}: kept in memory only
 */
public record HttpConfig(InetAddress bindAddress, int port, Path filesRoot, Path loaderDir, String apiToken,
        int maxConnections, Duration idleTimeout, List<ApiToken> tokens, Path auditLog) {

    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_LOADER_DIR = Path.of("/usr/lib/ipxe");
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

    public HttpConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        loaderDir = loaderDir == null ? DEFAULT_LOADER_DIR : loaderDir;
        apiToken = apiToken == null || apiToken.isBlank() ? null : apiToken;
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
        }
        idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    /** {@code apiToken} as the token {@code admin}, then the named tokens. */
    public List<ApiToken> allTokens() {
        List<ApiToken> all = new ArrayList<>();
        if (apiToken != null) {
            all.add(ApiToken.admin(apiToken));
        }
        all.addAll(tokens);
        return all;
    }

    /** All interfaces, port 8080, no files root, {@code /usr/lib/ipxe}, read-only API. */
    public static HttpConfig defaults() {
        return new HttpConfig(anyAddress(), DEFAULT_PORT, null, DEFAULT_LOADER_DIR, null, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_IDLE_TIMEOUT, List.of(), null);
    }

    public HttpConfig withBind(InetAddress address, int port) {
        return new HttpConfig(address, port, filesRoot, loaderDir, apiToken, maxConnections, idleTimeout, tokens, auditLog);
    }

    public HttpConfig withFilesRoot(Path dir) {
        return new HttpConfig(bindAddress, port, dir, loaderDir, apiToken, maxConnections, idleTimeout, tokens, auditLog);
    }

    public HttpConfig withLoaderDir(Path dir) {
        return new HttpConfig(bindAddress, port, filesRoot, dir, apiToken, maxConnections, idleTimeout, tokens, auditLog);
    }

    public HttpConfig withApiToken(String token) {
        return new HttpConfig(bindAddress, port, filesRoot, loaderDir, token, maxConnections, idleTimeout, tokens, auditLog);
    }

    public HttpConfig withMaxConnections(int max) {
        return new HttpConfig(bindAddress, port, filesRoot, loaderDir, apiToken, max, idleTimeout, tokens, auditLog);
    }

    public HttpConfig withIdleTimeout(Duration timeout) {
        return new HttpConfig(bindAddress, port, filesRoot, loaderDir, apiToken, maxConnections, timeout, tokens, auditLog);
    }

    /** Named tokens with roles (the config's {@code http.tokens}). */
    public HttpConfig withTokens(List<ApiToken> named) {
        return new HttpConfig(bindAddress, port, filesRoot, loaderDir, apiToken, maxConnections, idleTimeout, named,
                auditLog);
    }

    public HttpConfig withAuditLog(Path file) {
        return new HttpConfig(bindAddress, port, filesRoot, loaderDir, apiToken, maxConnections, idleTimeout, tokens,
                file);
    }

    /** Like the record's, but the token is redacted: configs get logged. */
    @Override
    public String toString() {
        return "HttpConfig[bind=" + bindAddress.getHostAddress() + ":" + port + ", filesRoot=" + filesRoot
                + ", loaderDir=" + loaderDir + ", apiToken=" + (apiToken == null ? "none" : "***")
                + ", tokens=" + tokens + ", maxConnections=" + maxConnections + ", idleTimeout=" + idleTimeout
                + ", auditLog=" + auditLog + "]";
    }

    private static InetAddress anyAddress() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for a 4-byte literal
        }
    }
}
