package io.pxereimage.runtime.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.image.ImageCatalog;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.image.ImageImporter;

/** {@code pxe-runtime image add|list}: the image catalog, through a running runtime or offline on a data dir. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Manage the image catalog.",
        subcommands = {ImageCommand.Add.class, ImageCommand.ListImages.class})
final class ImageCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add an image: computes the raw image's sha256 and size (and a block map on request).")
    static final class Add extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "FILE|URL", description = "a raw, .gz or .zst image, or an http(s) URL")
        String source;

        @Option(names = "--compression", paramLabel = "none|gzip|zstd", description = "default: from the file's"
                + " first bytes")
        String compression;

        @Option(names = "--block-map", description = "record the used (non-zero) 1 MiB ranges, each with its sha256")
        boolean blockMap;

        @Option(names = "--sha256", paramLabel = "HEX", description = "expected sha256 of the raw image")
        String sha256;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "work offline on this data directory instead of asking a running runtime")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            boolean remote = source.startsWith("http://") || source.startsWith("https://");
            String where = remote ? source : Path.of(source).toAbsolutePath().normalize().toString();
            JsonNode entry;
            if (dataDir != null) {
                try {
                    ImageEntry e = new ImageImporter(new ImageCatalog(dataDir), Clock.systemUTC())
                            .add(new ImageImporter.Request(name, where, compression, blockMap, sha256));
                    entry = Json.MAPPER.valueToTree(e);
                } catch (IllegalArgumentException e) {
                    return CliOutput.error(spec.commandLine().getErr(), e.getMessage());
                }
            } else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name);
                body.put("source", where);
                body.put("compression", compression);
                body.put("blockMap", blockMap);
                body.put("sha256", sha256);
                entry = CliOutput.orReport(spec, () -> client.client().post("/images", body));
                if (entry == null) {
                    return 1;
                }
            }
            return CliOutput.print(spec, "added " + entry.path("name").asText() + ": sha256 "
                    + entry.path("sha256").asText() + ", " + entry.path("sizeBytes").asLong() + " bytes raw, "
                    + entry.path("compression").asText() + ", " + entry.path("blockMap").size() + " used ranges");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the catalog.")
    static final class ListImages extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return client.table(spec, "/images", String.format(Locale.ROOT, "%-20s %-16s %12s %-5s %s", "NAME",
                    "SHA256", "SIZE", "COMPR", "SOURCE"), i -> String.format(Locale.ROOT, "%-20s %-16s %12d %-5s %s",
                            i.path("name").asText(),
                            i.path("sha256").asText().substring(0, Math.min(16, i.path("sha256").asText().length())),
                            i.path("sizeBytes").asLong(), i.path("compression").asText(), i.path("source").asText()));
        }
    }
}
