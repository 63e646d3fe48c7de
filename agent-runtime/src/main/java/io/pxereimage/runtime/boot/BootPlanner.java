package io.pxereimage.runtime.boot;

import java.util.Optional;

import io.pxereimage.runtime.boot.BootDecision.Boot;
import io.pxereimage.runtime.boot.BootDecision.Ignore;
import io.pxereimage.runtime.boot.BootDecision.Kind;

/**
 * Decides, per boot request, what the client loads next. Pure and in-memory: one map look-up and a few
 * comparisons, so it can run on the packet path. It may be asked several times per boot (DISCOVER, REQUEST,
 * the port-4011 request, then iPXE's own DHCP) and must answer the same each time.
 *
 * <p>The chain it drives: firmware PXE gets an iPXE build over TFTP (or over HTTP for UEFI HTTP boot); iPXE then
 * asks again, is recognised, and gets the URL of its per-MAC script, which loads the kernel and initrds.
 */
public final class BootPlanner {
    private final MachineRegistry machines;
    private final Loaders loaders;
    private final int httpPort;

    public BootPlanner(MachineRegistry machines, Loaders loaders, int httpPort) {
        this.machines = machines;
        this.loaders = loaders;
        this.httpPort = httpPort;
    }

    public BootDecision decide(BootRequest request) {
        Optional<MachinePlan> plan = machines.planFor(request.mac());
        if (plan.isEmpty()) {
            return new Ignore("unknown MAC");
        }
        if (request.ipxe()) {
            // Answer iPXE even for LOCAL plans: its script says "exit", so the firmware moves on to the disk.
            return new Boot(Kind.IPXE_SCRIPT, baseUrl(request) + "/boot/" + request.mac() + ".ipxe");
        }
        if (plan.get().action() == MachinePlan.Action.LOCAL) {
            return new Ignore("plan is local boot");
        }
        Optional<String> loader = loaders.forArch(request.arch());
        if (loader.isEmpty()) {
            return new Ignore("no iPXE build configured for " + request.arch());
        }
        if (request.httpClient() || request.arch().isHttpBoot()) {
            return new Boot(Kind.HTTP_BOOT, baseUrl(request) + "/loaders/" + loader.get());
        }
        return new Boot(Kind.TFTP, loader.get());
    }

    private String baseUrl(BootRequest request) {
        return "http://" + request.server().getHostAddress() + (httpPort == 80 ? "" : ":" + httpPort);
    }
}
