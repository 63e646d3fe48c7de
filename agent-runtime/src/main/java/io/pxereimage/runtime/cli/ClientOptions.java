package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

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
        return CliOutput.orReport(spec, () -> client().get(path));
    }

    /** GETs the list at {@code path} and prints it as a table (see {@link CliOutput#table}); the exit code. */
    int table(CommandSpec spec, String path, String header, Function<JsonNode, String> row)
            throws IOException, InterruptedException {
        JsonNode rows = getOrReport(spec, path);
        return rows == null ? 1 : CliOutput.table(spec, header, rows, row);
    }
}
