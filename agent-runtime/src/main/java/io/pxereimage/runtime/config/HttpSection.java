package io.pxereimage.runtime.config;

import java.util.List;

/**
 * HTTP settings: boot scripts, files, loaders and the REST API share one port.
 *
 * @param port 8080 by default
 * @param filesRoot served at {@code /files/}: kernels, initrds, images
 * @param loaderDir served at {@code /loaders/} for UEFI HTTP boot; defaults to the TFTP root
 * @param apiToken the bearer token for the API; prefer {@code apiTokenFile} so it stays out of the config file
 * @param apiTokenFile a file holding the bearer token
 * @param bind the address to listen on; {@code 0.0.0.0} (default) for every interface
 * @param tokens named tokens with a role ({@code admin} or {@code viewer}); {@code apiToken}/{@code apiTokenFile} is
 *               the token {@code admin}, role admin
 */
public record HttpSection(Integer port, String filesRoot, String loaderDir, String apiToken, String apiTokenFile,
        String bind, List<TokenEntry> tokens) {
    public HttpSection {
        port = Fields.port("port", port, 8080);
        bind = bind == null ? "0.0.0.0" : bind;
        Fields.ipv4("bind", bind);
        filesRoot = filesRoot == null ? "/srv/pxe-runtime/files" : filesRoot;
        if (apiToken != null && apiTokenFile != null) {
            throw new IllegalArgumentException("apiToken/apiTokenFile: give one, not both");
        }
        if (apiToken != null && apiToken.length() < 16) {
            throw new IllegalArgumentException("apiToken: use at least 16 characters");
        }
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        Fields.unique("tokens", tokens.stream().map(TokenEntry::name).toList());
        if ((apiToken != null || apiTokenFile != null)
                && tokens.stream().anyMatch(t -> t.name().equals(io.pxereimage.runtime.api.ApiToken.ADMIN_NAME))) {
            throw new IllegalArgumentException("tokens: the name admin belongs to apiToken/apiTokenFile; pick another");
        }
        java.util.Map<String, String> bySecret = new java.util.HashMap<>();
        for (TokenEntry t : tokens) {
            String other = bySecret.putIfAbsent(TokenEntry.read(t.file()), t.name());
            if (other != null) {
                throw new IllegalArgumentException("tokens: " + other + " and " + t.name() + " have the same token;"
                        + " give each its own");
            }
        }
    }

    /** Hides the token from logs and error messages. */
    @Override
    public String toString() {
        return "HttpSection[port=" + port + ", filesRoot=" + filesRoot + ", loaderDir=" + loaderDir
                + ", apiToken=" + (apiToken == null ? "none" : "***") + ", apiTokenFile=" + apiTokenFile
                + ", bind=" + bind + ", tokens=" + tokens + "]";
    }
}
