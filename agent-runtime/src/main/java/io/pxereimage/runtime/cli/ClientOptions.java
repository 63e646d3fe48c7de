package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** How CLI commands reach a running runtime: {@code --url}, and the admin token from a file or the environment. */
final class ClientOptions {
    static final String TOKEN_ENV = "PXE_RUNTIME_TOKEN";

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "the runtime's HTTP address, default ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "file holding the API token (else the environment variable " + TOKEN_ENV + ")")
    Path tokenFile;

    ApiClient client() throws IOException {
        String token = null;
        if (tokenFile != null) {
            token = Files.readString(tokenFile).strip();
        } else if (System.getenv(TOKEN_ENV) != null && !System.getenv(TOKEN_ENV).isBlank()) {
            token = System.getenv(TOKEN_ENV).strip();
        }
        return new ApiClient(url, token);
    }

    /** GETs {@code path} from the API; on failure prints the reason for the user and returns null. */
    JsonNode getOrReport(CommandSpec spec, String path) throws IOException, InterruptedException {
        try {
            return client().get(path);
        } catch (ApiClient.Failure f) {
            spec.commandLine().getErr().println("pxe-runtime: " + f.getMessage());
            return null;
        }
    }
}
