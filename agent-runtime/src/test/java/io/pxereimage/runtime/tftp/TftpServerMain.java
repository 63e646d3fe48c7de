package io.pxereimage.runtime.tftp;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Runs the server as its own process, for tests that must place it inside a network namespace
 * ({@code ip netns exec NS java -cp ... TftpServerMain ROOT ADDRESS PORT}). Prints "READY port" when bound and
 * the transfer counters on SIGTERM.
 */
public final class TftpServerMain {
    private TftpServerMain() {
    }

    public static void main(String[] args) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TftpConfig cfg = TftpConfig.builder(Path.of(args[0])).bindAddress(InetAddress.getByName(args[1]))
                .port(Integer.parseInt(args[2])).build();
        TftpServer server = new TftpServer(cfg, registry);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.find(TftpMetrics.TRANSFERS).counters().forEach(c ->
                    System.out.println("COUNTER " + c.getId().getTag("outcome") + " " + (long) c.count()));
            server.close();
            done.countDown();
        }));
        System.out.println("READY " + server.start());
        System.out.flush();
        done.await(); // until SIGTERM runs the hook
    }
}
