package io.pxereimage.runtime.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.Loaders;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.dhcp.DhcpCodec;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.DhcpOption;
import io.pxereimage.runtime.dhcp.Fixtures;
import io.pxereimage.runtime.dhcp.IpxeOptions;
import io.pxereimage.runtime.dhcp.LeasePool;
import io.pxereimage.runtime.dhcp.LeaseStore;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.testing.MutableClock;
import io.pxereimage.runtime.dhcp.PxeVendorOptions;
import io.pxereimage.runtime.dhcp.SubOptions;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/** What the responder tests share: a planner, a registry, a lease pool and a clock; no sockets. */
abstract class ResponderFixture {
    static final Inet4Address SERVER = Ip4.parse("10.231.10.1");
    static final BootSpec SPEC = new BootSpec("vmlinuz", List.of("initrd.img"), "console=ttyS0");
    static final InetSocketAddress FROM_68 = new InetSocketAddress(Ip4.ANY, 68);

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final MachineRegistry machines = new MachineRegistry();
    final BootPlanner planner = new BootPlanner(machines, Loaders.DEBIAN, 8080);

    void know(String... macs) {
        for (String m : macs) {
            machines.put(MachinePlan.boot(MacAddress.parse(m), null, SPEC));
        }
    }

    PxeResponder proxy() {
        return new PxeResponder(PxeConfig.proxy(SERVER), planner, machines, null, clock);
    }

    PxeConfig dhcpConfig() {
        return PxeConfig.dhcp(SERVER, Ip4.parse("10.231.10.100"), Ip4.parse("10.231.10.199"),
                Ip4.parse("255.255.255.0"), Duration.ofMinutes(10), null)
                .withRouterAndDns(Ip4.parse("10.231.10.254"), List.of(Ip4.parse("10.231.10.53")));
    }

    LeasePool pool = new LeasePool(LeasePool.Config.of(Ip4.parse("10.231.10.100"), Ip4.parse("10.231.10.199"),
            SERVER, Duration.ofMinutes(10)), clock, LeaseStore.NONE);

    PxeResponder dhcp() {
        return new PxeResponder(dhcpConfig(), planner, machines, pool, clock);
    }

    /** Every reply must survive the encoder and decode back to itself. */
    static DhcpMessage wire(DhcpMessage reply, DhcpMessage req) throws Exception {
        return DhcpCodec.decode(DhcpCodec.encodeReply(reply, req));
    }
}
