import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Training run for the deploy environment's AppCDS archive: touches the JDK code paths a deploy agent uses
 * (HttpClient against a loopback server, JSON-ish strings, hashing, FileChannel writes, gzip, processes, logging)
 * so that -XX:DumpLoadedClassList lists those JDK classes. Not the agent; its own classes are dropped from the list.
 */
public final class CdsTraining {
    private static final Logger LOG = Logger.getLogger("cds-training");

    public static void main(String[] args) throws Exception {
        byte[] payload = new byte[256 * 1024];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        var gz = new java.io.ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(gz)) { out.write(payload); }
        byte[] gzBytes = gz.toByteArray();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(server, gzBytes), "server");
            t.setDaemon(true);
            t.start();
            String base = "http://127.0.0.1:" + server.getLocalPort();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                    .version(HttpClient.Version.HTTP_1_1).build();
            String json = "{\"mac\":\"52:54:00:12:34:56\",\"token\":\"x\",\"time\":\"" + Instant.now() + "\"}";
            HttpResponse<String> reg = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/agent/register"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer x")
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            LOG.info("register " + reg.statusCode() + " " + reg.body().length());
            HttpResponse<InputStream> img = client.send(HttpRequest.newBuilder(URI.create(base + "/images/x"))
                    .header("Range", "bytes=0-").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path file = Files.createTempFile("cds", ".img");
            try (InputStream in = new GZIPInputStream(img.body());
                 FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                byte[] buf = new byte[65536];
                long pos = 0;
                for (int n; (n = in.read(buf)) > 0; pos += n) {
                    sha.update(buf, 0, n);
                    ch.write(ByteBuffer.wrap(buf, 0, n), pos);
                }
                ch.force(true);
            }
            LOG.info("sha256 " + HexFormat.of().formatHex(sha.digest()) + " headers " + img.headers().map().size());
            CompletableFuture<HttpResponse<Void>> poll = client.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "/api/v1/agent/jobs/next?wait=1")).build(), HttpResponse.BodyHandlers.discarding());
            LOG.info("poll " + poll.get().statusCode());
            Process p = new ProcessBuilder(List.of("true")).redirectErrorStream(true).start();
            LOG.info("process " + p.waitFor() + " " + new String(p.getInputStream().readAllBytes()));
            Map<String, String> env = System.getenv();
            LOG.info("env " + env.size() + " " + Files.readAllLines(Path.of("/proc/self/status")).size());
            Files.delete(file);
        }
    }

    private static void serve(ServerSocket server, byte[] gz) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) break;
                    int len = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) len = Integer.parseInt(line.substring(15).trim());
                    }
                    in.readNBytes(len);
                    byte[] body = head.startsWith("GET /images") ? gz
                            : head.startsWith("GET /api") ? new byte[0]
                            : "{\"agentId\":\"a-1\",\"sessionToken\":\"s\",\"pollSeconds\":25}".getBytes(StandardCharsets.UTF_8);
                    String status = body.length == 0 ? "204 No Content" : "200 OK";
                    out.write(("HTTP/1.1 " + status + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            } catch (Exception e) {
                return;
            }
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) return sb.toString();
        }
        return null;
    }
}
