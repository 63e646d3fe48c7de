package io.pxereimage.jenkins.core;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.pxereimage.runtime.PxeRuntime;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.config.RuntimeConfig;

/**
 * The runtime started inside this JVM (the plugin's {@code embedded} mode): its data under {@code HOME/pxe-reimage}
 * (HOME is JENKINS_HOME in the plugin), its API token generated once and kept in {@code api-token} (mode 0600) in
 * that directory, its ports set by {@link Settings} (unprivileged ones for labs). The rest of the runtime's
 * configuration (machines, pool, deploy environment, boot) is the runtime's own YAML, as in
 * {@code docs/configuration.md}.
 */
public final class EmbeddedRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRuntime.class);
    static final String DIRECTORY = "pxe-reimage";
    static final String TOKEN_FILE = "api-token";
    /**
     * Reads the admin's YAML as a tree to put the settings on top. YAML 1.1 words ({@code off}, {@code yes}) stay
     * the strings they are to the runtime's own loader ({@code cleanup: off}); a tree would otherwise turn them
     * into booleans, written back as {@code false}.
     */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build();

    /**
     * What the plugin's global configuration sets; the rest is {@code configYaml}.
     *
     * @param address the address the runtime advertises to machines (or null with {@code interfaceName})
     * @param interfaceName the boot network interface (or null with {@code address})
     * @param bind the HTTP listen address; the plugin connects to it, or to 127.0.0.1 when it is 0.0.0.0
     * @param httpPort 8080 by default, 8081 in a lab, 0 for any free port (tests)
     * @param tftpPort 69 by default, e.g. 6969 in a lab; 0 turns TFTP off
     * @param dhcpMode {@code proxy}, {@code dhcp} or {@code off}
     * @param dhcpPort 67 by default, e.g. 2067 in a lab
     * @param proxyDhcpPort 4011 by default
     * @param configYaml the runtime's configuration without the settings above: machines, pool, deploy, boot, ...
     */
    public record Settings(String address, String interfaceName, String bind, Integer httpPort, Integer tftpPort,
            String dhcpMode, Integer dhcpPort, Integer proxyDhcpPort, String configYaml) {
        public Settings {
            if ((address == null || address.isBlank()) && (interfaceName == null || interfaceName.isBlank())) {
                throw new IllegalArgumentException("address: give the runtime's address or its boot interface");
            }
        }
    }

    private final PxeRuntime runtime;
    private final Path dataDir;
    private final String token;
    private final URI url;

    private EmbeddedRuntime(PxeRuntime runtime, Path dataDir, String token, URI url) {
        this.runtime = runtime;
        this.dataDir = dataDir;
        this.token = token;
        this.url = url;
    }

    /**
     * Starts the runtime with its data in {@code home/pxe-reimage}.
     *
     * @throws IllegalArgumentException for a bad configuration, with the field and reason
     * @throws IOException when a port is taken or the data directory cannot be written
     */
    public static EmbeddedRuntime start(Path home, Settings s) throws IOException {
        Path dataDir = home.resolve(DIRECTORY).toAbsolutePath();
        if (!Files.isDirectory(dataDir)) {
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
        restrict(dataDir, PosixFilePermissions.fromString("rwx------"));
        Path tokenFile = dataDir.resolve(TOKEN_FILE);
        String token = tokenIn(tokenFile);
        RuntimeConfig config = config(s, dataDir, tokenFile);
        PxeRuntime runtime = PxeRuntime.fromConfig(config, "embedded runtime");
        try {
            runtime.start();
        } catch (IOException | RuntimeException e) {
            runtime.close();
            throw e;
        } catch (InterruptedException e) {
            runtime.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the embedded runtime", e);
        }
        String bind = config.http().bind();
        String host = bind.equals("0.0.0.0") ? "127.0.0.1" : bind;
        URI url = URI.create("http://" + host + ":" + runtime.httpPort());
        LOG.info("embedded runtime started at {} with its data in {}", url, dataDir);
        return new EmbeddedRuntime(runtime, dataDir, token, url);
    }

    /** The runtime's configuration: {@code configYaml} with the plugin's settings on top. */
    static RuntimeConfig config(Settings s, Path dataDir, Path tokenFile) {
        ObjectNode root;
        try {
            JsonNode parsed = s.configYaml() == null || s.configYaml().isBlank() ? null
                    : YAML.readTree(s.configYaml());
            if (parsed != null && !parsed.isObject()) {
                throw new IllegalArgumentException("runtime configuration: must be a YAML mapping");
            }
            root = parsed == null ? YAML.createObjectNode() : (ObjectNode) parsed;
        } catch (IOException e) {
            throw new IllegalArgumentException("runtime configuration: not valid YAML: " + e.getMessage(), e);
        }
        for (String owned : List.of("dataDir", "http.apiToken", "http.apiTokenFile")) {
            String[] p = owned.split("\\.");
            JsonNode n = root;
            for (String part : p) {
                n = n.path(part);
            }
            if (!n.isMissingNode()) {
                throw new IllegalArgumentException("runtime configuration: " + owned + ": set by the plugin (the"
                        + " data directory is JENKINS_HOME/" + DIRECTORY + ", with the API token in it)");
            }
        }
        root.put("dataDir", dataDir.toString());
        if (s.address() != null && !s.address().isBlank()) {
            root.put("address", s.address().strip());
        }
        if (s.interfaceName() != null && !s.interfaceName().isBlank()) {
            root.put("interface", s.interfaceName().strip());
        }
        ObjectNode http = section(root, "http");
        http.put("apiTokenFile", tokenFile.toString());
        putIfSet(http, "port", s.httpPort());
        if (s.bind() != null && !s.bind().isBlank()) {
            http.put("bind", s.bind().strip());
        }
        putIfSet(section(root, "tftp"), "port", s.tftpPort());
        ObjectNode dhcp = section(root, "dhcp");
        if (s.dhcpMode() != null && !s.dhcpMode().isBlank()) {
            dhcp.put("mode", s.dhcpMode().strip());
        }
        putIfSet(dhcp, "serverPort", s.dhcpPort());
        putIfSet(dhcp, "proxyPort", s.proxyDhcpPort());
        try {
            return ConfigLoader.parse("embedded runtime configuration", YAML.writeValueAsString(root));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode section(ObjectNode root, String name) {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            return root.putObject(name);
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("runtime configuration: " + name + ": must be a mapping");
        }
        return (ObjectNode) n;
    }

    private static void putIfSet(ObjectNode node, String field, Integer value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    /** The token in {@code file}; a new random one written there (0600) when the file does not exist. */
    static String tokenIn(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                // Created with its final mode: the token is never readable by others, not even for an instant.
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, fresh + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
                LOG.info("embedded runtime: generated an API token in {}", file);
                return fresh;
            } catch (FileAlreadyExistsException raced) {
                // another start created it meanwhile: use that one
            }
        }
        restrict(file, PosixFilePermissions.fromString("rw-------"));
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.length() < 16) {
            throw new IOException(file + ": the API token must have at least 16 characters (delete the file to get"
                    + " a new one)");
        }
        return token;
    }

    private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
        if (!Files.getPosixFilePermissions(path).equals(mode)) {
            LOG.warn("{}: permissions were {}, set to {}", path,
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(path)),
                    PosixFilePermissions.toString(mode));
            Files.setPosixFilePermissions(path, mode);
        }
    }

    /** The API's base URL, as {@link RuntimeClient} takes it. */
    public URI url() {
        return url;
    }

    /** The API token (from {@code api-token} in the data directory). */
    public String token() {
        return token;
    }

    public Path dataDir() {
        return dataDir;
    }

    public RuntimeClient client() {
        return new RuntimeClient(url, token);
    }

    /** The runtime itself (tests drive its machines through it). */
    public PxeRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        runtime.close();
        LOG.info("embedded runtime at {} stopped", url);
    }

    @Override
    public String toString() {
        return "EmbeddedRuntime[" + url + ", data " + dataDir + "]";
    }
}
