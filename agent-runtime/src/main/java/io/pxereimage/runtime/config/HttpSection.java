package io.pxereimage.runtime.config;

/**
 * HTTP settings: boot scripts, files, loaders and the REST API share one port.
 *
 * @param port 8080 by default
 * @param filesRoot served at {@code /files/}: kernels, initrds, images
 * @param loaderDir served at {@code /loaders/} for UEFI HTTP boot; defaults to the TFTP root
 * @param apiToken the bearer token for the API; prefer {@code apiTokenFile} so it stays out of the config file
 * @param apiTokenFile a file holding the bearer token
 * @param bind the address to listen on; {@code 0.0.0.0} (default) for every interface
 */
public record HttpSection(Integer port, String filesRoot, String loaderDir, String apiToken, String apiTokenFile,
        String bind) {
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
    }

    /** Hides the token from logs and error messages. */
    @Override
    public String toString() {
        return "HttpSection[port=" + port + ", filesRoot=" + filesRoot + ", loaderDir=" + loaderDir
                + ", apiToken=" + (apiToken == null ? "none" : "***") + ", apiTokenFile=" + apiTokenFile
                + ", bind=" + bind + "]";
    }
}
