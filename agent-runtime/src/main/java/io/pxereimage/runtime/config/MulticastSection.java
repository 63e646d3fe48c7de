package io.pxereimage.runtime.config;

import java.net.Inet4Address;
import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.pxereimage.runtime.multicast.MulticastSettings;

/**
 * Multicast image distribution ({@code docs/multicast.md}); without this section every deploy is unicast.
 *
 * @param group the control group sessions are announced on (IPv4, 224.0.0.0/4; default 239.255.80.1); session
 *              {@code i} of those running at once sends its data to the next addresses, {@code group + 1 + i}
 * @param port the control port (default 7400); data goes to {@code port + 1}
 * @param interfaceName where to send from; default the runtime's {@code interface} (or the one holding
 *                      {@code address})
 * @param windowSeconds the gathering window: deploy jobs of one image asked within it share a session; 0 = only
 *                      explicit sessions ({@code reimage m1 m2 --multicast}); default 5
 * @param rateMbps the sender's cap in Mbit/s (wire bytes), 0 = none; default 800
 * @param minReceivers the session starts after {@code maxWaitSeconds} with at least this many registered receivers
 *                     (all of them registered: at once); default 1
 * @param maxWaitSeconds how long the sender waits for receivers to register, from the first delivered job
 * @param phaseTimeoutSeconds a receiver silent this long in a phase leaves the session (finishes over HTTP)
 * @param announceWaitSeconds an agent that hears no ANNOUNCE within this long deploys by unicast on its own
 * @param maxSessions sessions running at once (each has its own data group)
 * @param minRateMbps rate control (following the slowest receiver) never goes below this; default 8
 * @param evictAfterSeconds a receiver that keeps a slice open this long is told to leave (finishes over HTTP);
 *                          0 = never; default 4
 * @param evictLossPercent a receiver whose loss stays above this is told to leave; 0 = never; default 30
 */
public record MulticastSection(String group, Integer port,
        @JsonProperty("interface") String interfaceName, Integer windowSeconds,
        Integer rateMbps, Integer minReceivers, Integer maxWaitSeconds, Integer phaseTimeoutSeconds,
        Integer announceWaitSeconds, Integer maxSessions, Integer minRateMbps, Integer evictAfterSeconds,
        Integer evictLossPercent) {

    public MulticastSection {
        group = group == null ? "239.255.80.1" : group;
        Inet4Address g = Fields.ipv4("group", group);
        if ((g.getAddress()[0] & 0xf0) != 0xe0) {
            throw new IllegalArgumentException("group: not a multicast address (224.0.0.0/4): '" + group + "'");
        }
        port = Fields.range("port", port, 7400, 1, 65534);
        if (interfaceName != null && !interfaceName.matches("[A-Za-z0-9_.:@-]{1,15}")) {
            throw new IllegalArgumentException("interface: not an interface name: '" + interfaceName + "'");
        }
        windowSeconds = Fields.range("windowSeconds", windowSeconds, 5, 0, 600);
        rateMbps = Fields.range("rateMbps", rateMbps, 800, 0, 100_000);
        minReceivers = Fields.range("minReceivers", minReceivers, 1, 1, 1024);
        maxWaitSeconds = Fields.range("maxWaitSeconds", maxWaitSeconds, 120, 1, 3600);
        phaseTimeoutSeconds = Fields.range("phaseTimeoutSeconds", phaseTimeoutSeconds, 10, 1, 600);
        announceWaitSeconds = Fields.range("announceWaitSeconds", announceWaitSeconds, 10, 1, 600);
        maxSessions = Fields.range("maxSessions", maxSessions, 4, 1, 64);
        minRateMbps = Fields.range("minRateMbps", minRateMbps, 8, 1, 100_000);
        if (rateMbps != 0 && minRateMbps > rateMbps) {
            throw new IllegalArgumentException("minRateMbps: " + minRateMbps + " is above rateMbps " + rateMbps);
        }
        evictAfterSeconds = Fields.range("evictAfterSeconds", evictAfterSeconds, 4, 0, 3600);
        evictLossPercent = Fields.range("evictLossPercent", evictLossPercent, 30, 0, 100);
        int last = (g.getAddress()[3] & 0xff) + maxSessions;
        if (last > 255) {
            throw new IllegalArgumentException("group: " + group + " leaves no room for " + maxSessions
                    + " data groups after it in its /24 (use a lower last octet or fewer maxSessions)");
        }
    }

    public MulticastSettings toSettings() {
        return new MulticastSettings(Fields.ipv4("group", group), port, interfaceName,
                Duration.ofSeconds(windowSeconds), rateMbps * 1_000_000L / 8, minReceivers,
                Duration.ofSeconds(maxWaitSeconds), Duration.ofSeconds(phaseTimeoutSeconds), announceWaitSeconds,
                maxSessions, minRateMbps * 1_000_000L / 8, Duration.ofSeconds(evictAfterSeconds),
                evictLossPercent / 100.0);
    }
}
