package io.pxereimage.runtime.pxe;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.Loaders;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * Runs a {@link PxeServer} in its own process, so integration tests can start it inside a network namespace
 * ({@code ip netns exec NS java -cp ... PxeServerMain ...}). Prints {@code READY} once bound; on stdin,
 * {@code metrics} prints {@code METRIC <name>{tags} <value>} lines then {@code END}; {@code quit} or EOF stops.
 *
 * <p>Arguments ({@code key=value}): mode=proxy|dhcp, server=IP, range=A-B, mask=M, lease=SECONDS, known=MAC,MAC,
 * data=DIR, http=PORT, answerAll=true|false.
 */
public final class PxeServerMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        MachineRegistry machines = new MachineRegistry();
        for (String mac : a.getOrDefault("known", "").split(",")) {
            if (!mac.isBlank()) {
                machines.put(MachinePlan.boot(MacAddress.parse(mac), null,
                        new BootSpec("vmlinuz", List.of("initrd.img"), "console=ttyS0")));
            }
        }
        if (Boolean.parseBoolean(a.getOrDefault("answerAll", "false"))) {
            // every MAC is known: for load tests (perfdhcp uses random MACs)
            machines.setDefaultSpec(new BootSpec("vmlinuz", List.of(), ""));
        }
        BootPlanner planner = new BootPlanner(machines, Loaders.DEBIAN, Integer.parseInt(a.getOrDefault("http", "8080")));
        PxeConfig config;
        if (a.get("mode").equals("dhcp")) {
            String[] range = a.get("range").split("-");
            config = PxeConfig.dhcp(Ip4.parse(a.get("server")), Ip4.parse(range[0]), Ip4.parse(range[1]),
                    Ip4.parse(a.getOrDefault("mask", "255.255.255.0")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("lease", "600"))),
                    a.containsKey("data") ? Path.of(a.get("data")) : null);
        } else {
            config = PxeConfig.proxy(Ip4.parse(a.get("server")));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PxeServer server = new PxeServer(config, planner, machines, meters)) {
            server.start();
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                if (line.equals("metrics")) {
                    for (Meter m : meters.getMeters()) {
                        double v = m instanceof Counter c ? c.count() : m instanceof Gauge g ? g.value() : Double.NaN;
                        StringBuilder tags = new StringBuilder();
                        m.getId().getTags().forEach(t -> tags.append(tags.length() == 0 ? "" : ",")
                                .append(t.getKey()).append('=').append(t.getValue()));
                        System.out.println("METRIC " + m.getId().getName() + "{" + tags + "} " + v);
                    }
                    System.out.println("END");
                    System.out.flush();
                }
            }
        }
        System.exit(0);
    }
}
