package io.pxereimage.runtime.multicast;

import java.net.InetAddress;
import java.nio.file.Path;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.http.HttpConfig;
import io.pxereimage.runtime.http.HttpServer;

/**
 * The runtime's HTTP server (the real {@link HttpServer}, Range and all) serving one image at
 * {@code /files/image.bin}, as a child JVM in the sender's namespace: where multicast receivers fetch what they
 * lack. {@code --bind ADDRESS --port P --image FILE}; prints {@code READY} once listening, runs until killed.
 */
public final class ImageServerMain {
    private ImageServerMain() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[3]);
        HttpServer server = new HttpServer(HttpConfig.defaults().withBind(bind, port), new MachineRegistry(),
                new SimpleMeterRegistry());
        server.publish("image.bin", Path.of(args[5]));
        server.start();
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
