package io.pxereimage.runtime.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A port on the test's own loopback that leads to {@code HOST:PORT} inside one of the lab's namespaces, so that a
 * program running outside the lab (the headless browser) reaches the runtime in {@code PREFIXsrv}.
 *
 * <p>No veth into the host's namespace: the two sides meet on a Unix socket (the file system is shared across
 * network namespaces). Outside, this class accepts TCP on 127.0.0.1 and connects each client to the socket; inside,
 * {@link #main} (started with {@code ip netns exec}, tracked by the {@link LabFixture}) accepts on the socket and
 * connects to {@code HOST:PORT}. Bytes are copied both ways unchanged, so long-lived streams (SSE) work.
 */
final class NetnsTunnel implements AutoCloseable {
    private static final String READY = "NETNS-TUNNEL-READY";

    private final ServerSocketChannel server;
    private final Process inside;
    private final Path socketDir;

    private NetnsTunnel(ServerSocketChannel server, Process inside, Path socketDir) {
        this.server = server;
        this.inside = inside;
        this.socketDir = socketDir;
    }

    /** Opens a tunnel to {@code host:port} in namespace {@code PREFIX+ns}; its log is {@code tunnel-NS.log}. */
    static NetnsTunnel open(LabFixture lab, String ns, String host, int port) throws Exception {
        // A short directory: socket paths are limited to ~107 bytes, target/ paths can be longer.
        Path dir = Files.createTempDirectory(lab.prefix + "tunnel");
        Path socket = dir.resolve("s");
        String classes = Path.of(NetnsTunnel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = lab.file("tunnel-" + ns + ".log");
        Process p = lab.track(Procs.start(lab.inNamespace(ns, java, "-Xmx32m", "-cp", classes,
                NetnsTunnel.class.getName(), socket.toString(), host, Integer.toString(port)), Map.of(), log));
        if (!Procs.awaitText(log, READY, p, Duration.ofSeconds(30))) {
            Procs.stop(p, Duration.ofSeconds(5));
            throw new AssertionError("tunnel into " + lab.prefix + ns + " did not start:\n" + Procs.tail(log, 20));
        }
        ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        NetnsTunnel t = new NetnsTunnel(server, p, dir);
        daemon("tunnel-accept", () -> t.accept(socket)).start();
        return t;
    }

    int localPort() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT} */
    String url() throws IOException {
        return "http://127.0.0.1:" + localPort();
    }

    private void accept(Path socket) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                SocketChannel unix;
                try {
                    unix = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                splice(client, unix);
            } catch (IOException closed) {
                return;
            }
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        Procs.stop(inside, Duration.ofSeconds(5));
        try (var s = Files.list(socketDir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(socketDir);
    }

    /** The namespace side: {@code NetnsTunnel SOCKET HOST PORT}. */
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            System.out.println(READY + " " + socket + " -> " + target);
            System.out.flush();
            while (true) {
                SocketChannel in = server.accept();
                try {
                    splice(in, SocketChannel.open(target));
                } catch (IOException e) {
                    System.out.println("connect " + target + ": " + e);
                    in.close();
                }
            }
        }
    }

    /** Copies both ways; each side's end of stream becomes a half-close of the other; both closed when done. */
    private static void splice(SocketChannel a, SocketChannel b) {
        AtomicInteger open = new AtomicInteger(2);
        Runnable done = () -> {
            if (open.decrementAndGet() == 0) {
                closeQuietly(a, b);
            }
        };
        daemon("tunnel-copy", () -> copy(a, b, done)).start();
        daemon("tunnel-copy", () -> copy(b, a, done)).start();
    }

    private static void copy(SocketChannel from, SocketChannel to, Runnable done) {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
            done.run();
        } catch (IOException e) {
            closeQuietly(from, to); // a reset on one side ends the other: the browser sees the connection drop
        }
    }

    private static void closeQuietly(SocketChannel... channels) {
        for (SocketChannel c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
