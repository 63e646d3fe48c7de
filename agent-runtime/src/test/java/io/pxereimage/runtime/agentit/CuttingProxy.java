package io.pxereimage.runtime.agentit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 between the agent and the runtime that, once, closes a connection after it has carried
 * {@code cutAfter} bytes from the runtime to the agent. Only an image body is that large, so the cut lands in the
 * image download; the bytes before the cut are delivered (a FIN, not a reset), so the agent has all of them.
 * Counts every byte it relays, both ways.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final long cutAfter;
    private final AtomicBoolean cut = new AtomicBoolean();
    private final AtomicLong relayed = new AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    CuttingProxy(int targetPort, long cutAfter) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.cutAfter = cutAfter;
        start(this::acceptLoop, "proxy-accept");
    }

    int port() {
        return server.getLocalPort();
    }

    boolean didCut() {
        return cut.get();
    }

    long relayedBytes() {
        return relayed.get();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                start(() -> pump(client, upstream, false), "proxy-up");
                start(() -> pump(upstream, client, true), "proxy-down");
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, boolean downstream) {
        byte[] buf = new byte[64 * 1024];
        long carried = 0;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (downstream && !cut.get() && carried + n >= cutAfter && cut.compareAndSet(false, true)) {
                    int last = (int) (cutAfter - carried);
                    out.write(buf, 0, last);
                    out.flush();
                    relayed.addAndGet(last);
                    break; // closing both sockets below: the agent sees the body end early
                }
                out.write(buf, 0, n);
                carried += n;
                relayed.addAndGet(n);
            }
        } catch (IOException e) {
            // the other side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        sockets.forEach(CuttingProxy::closeQuietly);
        for (Thread t : threads) {
            t.join(2000);
        }
    }
}
