package io.pxereimage.runtime.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw-socket Server-Sent Events client: checks the response head and the chunked framing byte by byte, which
 * a high-level client would hide. {@link #nextFrame} returns one event (or comment) including its blank line.
 */
final class SseClient implements AutoCloseable {
    final Socket socket;
    final String statusLine;
    final Map<String, String> headers = new LinkedHashMap<>();
    private final InputStream in;
    private final StringBuilder pending = new StringBuilder();

    /** @param receiveBuffer a socket receive buffer size, or 0 for the default */
    SseClient(int port, String target, int receiveBuffer, String... extraHeaders) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setSoTimeout(5000);
        StringBuilder req = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n");
        for (int i = 0; i < extraHeaders.length; i += 2) {
            req.append(extraHeaders[i]).append(": ").append(extraHeaders[i + 1]).append("\r\n");
        }
        socket.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        in = new BufferedInputStream(socket.getInputStream());
        statusLine = line();
        for (String h; !(h = line()).isEmpty(); ) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
    }

    /** The next frame (up to and including its blank line), de-chunked; IOException at end of stream. */
    String nextFrame() throws IOException {
        while (true) {
            int end = pending.indexOf("\n\n");
            if (end >= 0) {
                String frame = pending.substring(0, end + 2);
                pending.delete(0, end + 2);
                return frame;
            }
            String size = line();
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                throw new IOException("last chunk: the stream ended");
            }
            byte[] data = in.readNBytes(n);
            if (data.length < n) {
                throw new IOException("connection closed inside a chunk");
            }
            pending.append(new String(data, StandardCharsets.UTF_8));
            if (!line().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    /** Whether the server closed the connection within 5 s (reads past whatever was still in flight). */
    boolean closedByServer() {
        try {
            byte[] buf = new byte[65536];
            while (in.read(buf) >= 0) {
                // drain
            }
            return true;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("end of stream");
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        if (!s.endsWith("\r")) {
            throw new IOException("line not ended by CRLF: " + s);
        }
        return s.substring(0, s.length() - 1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
