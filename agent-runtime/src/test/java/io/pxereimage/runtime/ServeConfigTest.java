package io.pxereimage.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.cli.Main;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.Fixtures;
import io.pxereimage.runtime.dhcp.MessageType;

/**
 * The runtime as {@code pxe-runtime serve --config} builds it, on loopback: a machine added through the REST API is
 * answered by the DHCP responder (port-4011 path, whose replies go back to the sender, so nothing leaves loopback)
 * and gets its iPXE script over HTTP; a machine nobody configured gets nothing.
 */
class ServeConfigTest {
    static final String TOKEN = "test-token-0123456789";
    /** The MAC in the captured EDK2 port-4011 request. */
    static final String MAC = "52:54:00:f1:00:03";

    final HttpClient http = HttpClient.newHttpClient();
    PxeRuntime runtime;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void apiAddedMachineIsAnsweredAndUnknownIsNot(@TempDir Path dir) throws Exception {
        int httpPort = freePort();
        int base = 20000 + (int) (ProcessHandle.current().pid() % 20000);
        String yaml = """
                address: 127.0.0.1
                dataDir: %s
                dhcp: {mode: proxy, bind: 127.0.0.1, serverPort: %d, clientPort: %d, proxyPort: %d}
                tftp: {port: %d, root: /usr/lib/ipxe}
                http: {port: %d, bind: 127.0.0.1, filesRoot: %s, apiToken: %s, tokens: [{name: grafana, file: %s, role: viewer}]}
                """.formatted(dir.resolve("data"), base, base + 1, base + 2, freePort(), httpPort,
                dir, TOKEN, viewerToken(dir));
        Files.createDirectories(dir.resolve("stage"));
        Files.writeString(dir.resolve("stage/ipxe.efi"), "not really iPXE");
        yaml = yaml.replace("/usr/lib/ipxe", dir.resolve("stage").toString());
        runtime = PxeRuntime.fromConfig(ConfigLoader.parse("test.yaml", yaml), "test.yaml");
        runtime.start();
        String web = "http://127.0.0.1:" + httpPort;

        byte[] request = Fixtures.bytes("edk2-pxe-4011-request.bin");
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress pxe = new InetSocketAddress("127.0.0.1", base + 2);
            client.setSoTimeout(700);
            client.send(new DatagramPacket(request, request.length, pxe));
            assertThat(receive(client)).as("unknown MAC gets no answer").isNull();

            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(web + "/api/v1/machines/" + MAC))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"rack1-07\",\"kernel\":\"vmlinuz\",\"initrds\":[\"initrd.img\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isBetween(200, 201);

            client.setSoTimeout(3000);
            client.send(new DatagramPacket(request, request.length, pxe));
            DhcpMessage ack = receive(client);
            assertThat(ack).isNotNull();
            assertThat(ack.messageType()).contains(MessageType.ACK);
            assertThat(ack.file()).isEqualTo("ipxe.efi");
        }

        HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(web + "/boot/" + MAC + ".ipxe"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).startsWith("#!ipxe").contains("/files/vmlinuz").contains("initrd=initrd0");

        HttpResponse<String> loader = http.send(HttpRequest.newBuilder(URI.create(web + "/loaders/ipxe.efi"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(loader.body()).isEqualTo("not really iPXE");

        String metrics = http.send(HttpRequest.newBuilder(URI.create(web + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("pxe_dhcp_packets_total").contains("outcome=\"ack\"");

        // The named viewer reads but cannot change; the audit log in the data directory says who did what.
        HttpResponse<String> viewerPut = http.send(HttpRequest.newBuilder(URI.create(web + "/api/v1/machines/" + MAC))
                .header("Authorization", "Bearer " + VIEWER).PUT(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(viewerPut.statusCode()).isEqualTo(403);
        List<String> audit = Files.readAllLines(dir.resolve("data/audit.jsonl"));
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).contains("\"who\":\"admin\"").contains("\"method\":\"PUT\"").contains("\"status\":20");
        assertThat(audit.get(1)).contains("\"who\":\"grafana\"").contains("\"role\":\"viewer\"")
                .contains("\"status\":403");
        assertThat(String.join("\n", audit)).doesNotContain(TOKEN).doesNotContain(VIEWER);

        // The boot as activity: the DHCP answer, the script and the loader, each naming the machine.
        String activity = http.send(HttpRequest.newBuilder(URI.create(web + "/api/v1/activity"))
                .header("Authorization", "Bearer " + VIEWER).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(activity).contains("\"kind\":\"dhcp\",\"machine\":\"rack1-07\",\"mac\":\"" + MAC
                + "\",\"summary\":\"REQUEST -> PXE ACK file=ipxe.efi\"")
                .contains("\"summary\":\"script /boot/" + MAC + ".ipxe -> boot\"")
                .contains("\"summary\":\"file /loaders/ipxe.efi 15 B in ");
    }

    static final String VIEWER = "viewer-token-0123456789";

    static Path viewerToken(Path dir) throws Exception {
        Path f = dir.resolve("viewer.token");
        Files.writeString(f, VIEWER + "\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static DhcpMessage receive(DatagramSocket client) throws Exception {
        DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
        try {
            client.receive(reply);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return DhcpCodec.decode(Arrays.copyOf(reply.getData(), reply.getLength()));
    }

    @Test
    void checkReportsABadFileWithItsLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("site.yaml");
        Files.writeString(bad, "address: 10.0.0.1\ndhcp:\n  mode: full\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("serve", "--config", bad.toString(), "--check");
        } finally {
            System.setErr(original);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(bad + ":3:3: dhcp.mode: must be proxy, dhcp or off, not 'full'");
    }
}
