package io.pxereimage.runtime.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.boot.BootDecision.Boot;
import io.pxereimage.runtime.boot.BootDecision.Kind;
import io.pxereimage.runtime.net.MacAddress;

/** DEPLOY plans are answered like BOOT; registry changes are reported for persistence. */
class DeployPlanTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @Test
    void deployIsAnsweredLikeBoot() throws Exception {
        MachineRegistry machines = new MachineRegistry(List.of(new MachinePlan(MAC, "m1",
                MachinePlan.Action.DEPLOY, null)), null);
        BootPlanner planner = new BootPlanner(machines, Loaders.DEBIAN, 8080);
        Inet4Address server = (Inet4Address) InetAddress.getByName("10.99.0.1");
        assertThat(planner.decide(new BootRequest(MAC, ClientArch.BIOS, false, false, server)))
                .isEqualTo(new Boot(Kind.TFTP, "undionly.kpxe"));
        assertThat(planner.decide(new BootRequest(MAC, ClientArch.BIOS, false, true, server)))
                .isEqualTo(new Boot(Kind.IPXE_SCRIPT, "http://10.99.0.1:8080/boot/52:54:00:12:34:56.ipxe"));
        assertThat(IpxeScripts.render(machines.get(MAC).orElseThrow(), "http://x")).contains("nothing to boot");
    }

    @Test
    void changesAfterConstructionAreReported() {
        MachineRegistry machines = new MachineRegistry(List.of(new MachinePlan(MAC, "m1",
                MachinePlan.Action.LOCAL, null)), null);
        List<String> seen = new ArrayList<>();
        machines.onChange((mac, plan) -> seen.add(mac + "=" + (plan == null ? "gone" : plan.action())));
        machines.put(machines.get(MAC).orElseThrow().withAction(MachinePlan.Action.DEPLOY));
        machines.remove(MAC);
        machines.remove(MAC);
        assertThat(seen).containsExactly("52:54:00:12:34:56=DEPLOY", "52:54:00:12:34:56=gone");
        assertThat(machines.find("m1")).isEmpty();
    }
}
