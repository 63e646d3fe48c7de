package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.pxereimage.runtime.net.Ip4;

/**
 * Electors on a simulated subnet with a simulated clock, driven the way {@link ElectionService} drives one: a tick
 * every {@value ElectionService#TICK_MILLIS} ms, an announcement every interval and at once on a role change,
 * delivered instantly to every runtime that is up and connected. Runtimes can be killed, cut off and made busy.
 */
final class SimNet {
    static final Subnet SUBNET = Subnet.parse("10.231.104.0/24");

    final class Node {
        final String name;
        final Elector elector;
        boolean up = true;
        boolean connected = true;
        boolean busy;
        long seq;
        long nextAnnounce;
        final List<Elector.Transition> log = new ArrayList<>();

        Node(String name, Elector elector) {
            this.name = name;
            this.elector = elector;
        }

        Role role() {
            return elector.role();
        }
    }

    final Map<String, Node> nodes = new LinkedHashMap<>();
    long now = 1_000_000;
    long waitMillis = 1000;
    long intervalMillis = 500;

    /** A runtime with host address .{@code host} (its id), starting now. */
    Node add(String name, int host, int weight) {
        ElectionSettings s = new ElectionSettings(SUBNET, host, Ip4.parse("10.231.104." + host), weight, waitMillis,
                intervalMillis, 3, 2012);
        Node n = new Node(name, new Elector(s, now, now));
        nodes.put(name, n);
        return n;
    }

    Node node(String name) {
        return nodes.get(name);
    }

    /** Runs the clock for {@code millis}. */
    void run(long millis) {
        long end = now + millis;
        while (now < end) {
            now += ElectionService.TICK_MILLIS;
            for (Node n : nodes.values()) {
                if (!n.up) {
                    continue;
                }
                List<Elector.Transition> changes = new ArrayList<>();
                n.elector.tick(now, n.busy, changes);
                after(n, changes);
            }
        }
    }

    /** Runs until {@code condition} holds; returns the milliseconds it took, or -1 after {@code limit}. */
    long runUntil(BooleanSupplier condition, long limit) {
        long start = now;
        while (now - start <= limit) {
            if (condition.getAsBoolean()) {
                return now - start;
            }
            run(ElectionService.TICK_MILLIS);
        }
        return -1;
    }

    private void after(Node n, List<Elector.Transition> changes) {
        n.log.addAll(changes);
        if (!changes.isEmpty() || now >= n.nextAnnounce) {
            n.nextAnnounce = now + intervalMillis;
            deliver(n, n.elector.announcement(n.seq++));
        }
    }

    void deliver(Node from, Announcement a) {
        if (!from.connected) {
            return;
        }
        for (Node to : new ArrayList<>(nodes.values())) {
            if (to.up && to.connected) {
                List<Elector.Transition> changes = new ArrayList<>();
                to.elector.receive(a, now, changes);
                if (to != from) {
                    after(to, changes);
                }
            }
        }
    }

    /** Names of the runtimes that are up and responder. */
    Set<String> responders() {
        Set<String> out = new HashSet<>();
        nodes.values().stream().filter(n -> n.up && n.role() == Role.RESPONDER).forEach(n -> out.add(n.name));
        return out;
    }

    /** Responders among the connected runtimes: what a client on the subnet would hear. */
    Set<String> heardResponders() {
        Set<String> out = new HashSet<>();
        nodes.values().stream().filter(n -> n.up && n.connected && n.role() == Role.RESPONDER)
                .forEach(n -> out.add(n.name));
        return out;
    }
}
