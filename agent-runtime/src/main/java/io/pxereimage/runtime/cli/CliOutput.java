package io.pxereimage.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Model.CommandSpec;

/**
 * What the client commands print, in one place: a result line or table on stdout (exit 0), a reason on stderr
 * prefixed {@code pxe-runtime: } (exit 1).
 */
final class CliOutput {
    /** A call to the running runtime's API. */
    @FunctionalInterface
    interface Call {
        JsonNode run() throws ApiClient.Failure, IOException, InterruptedException;
    }

    private CliOutput() {
    }

    /** Runs {@code call}; on failure prints its reason and returns null (the command then exits 1). */
    static JsonNode orReport(CommandSpec spec, Call call) throws IOException, InterruptedException {
        try {
            return call.run();
        } catch (ApiClient.Failure f) {
            report(spec, f);
            return null;
        }
    }

    /** Prints the reason of a failed call; returns the exit code 1. */
    static int report(CommandSpec spec, ApiClient.Failure f) {
        return error(spec.commandLine().getErr(), f.getMessage());
    }

    /** Prints {@code pxe-runtime: MESSAGE} on {@code err}; returns the exit code 1. */
    static int error(PrintWriter err, String message) {
        err.println("pxe-runtime: " + message);
        err.flush();
        return 1;
    }

    /** Prints one result line; returns the exit code 0. */
    static int print(CommandSpec spec, String line) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
        return 0;
    }

    /** Prints {@code header}, then one line per element of {@code rows}; returns the exit code 0. */
    static int table(CommandSpec spec, String header, JsonNode rows, Function<JsonNode, String> row) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(header);
        for (JsonNode r : rows) {
            out.println(row.apply(r));
        }
        out.flush();
        return 0;
    }
}
