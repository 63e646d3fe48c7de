package io.pxereimage.runtime.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders the per-machine iPXE script that {@code /boot/<mac>.ipxe} serves.
 */
public final class IpxeScripts {
    private IpxeScripts() {
    }

    /**
     * @param plan the machine's plan
     * @param baseUrl {@code http://host:port} of this runtime, for relative kernel and initrd paths
     */
    public static String render(MachinePlan plan, String baseUrl) {
        if (plan.action() == MachinePlan.Action.LOCAL) {
            // "exit" returns to the firmware, which tries the next boot device: the local disk.
            return "#!ipxe\necho PXE Reimage: " + plan.name() + " boots from its local disk\nexit\n";
        }
        BootSpec spec = plan.spec();
        if (spec == null) {
            // A DEPLOY plan reaches here only when no deploy environment is configured.
            return "#!ipxe\necho PXE Reimage: nothing to boot for " + plan.name() + ", retrying in 60 s\n"
                    + "sleep 60\nreboot\n";
        }
        StringBuilder s = new StringBuilder("#!ipxe\n");
        s.append("echo PXE Reimage: ").append(plan.action() == MachinePlan.Action.DEPLOY
                ? "booting the deploy environment for " : "booting ").append(plan.name()).append('\n');
        List<String> names = new ArrayList<>();
        List<String> initrdLines = new ArrayList<>();
        for (int i = 0; i < spec.initrds().size(); i++) {
            String name = "initrd" + i;
            names.add(name);
            initrdLines.add("initrd --name " + name + " " + url(spec.initrds().get(i), baseUrl) + " || goto failed\n");
        }
        s.append("kernel ").append(url(spec.kernel(), baseUrl));
        // Debian's iPXE under UEFI passes initrds to the kernel only when named on the command line.
        for (String name : names) {
            s.append(" initrd=").append(name);
        }
        if (!spec.cmdline().isEmpty()) {
            s.append(' ').append(spec.cmdline());
        }
        s.append(" || goto failed\n");
        initrdLines.forEach(s::append);
        s.append("boot || goto failed\n");
        s.append(":failed\necho PXE Reimage: boot failed, retrying in 10 s\nsleep 10\nreboot\n");
        return s.toString();
    }

    static String url(String location, String baseUrl) {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return location;
        }
        String path = location.startsWith("/") ? location.substring(1) : location;
        return baseUrl + "/files/" + path;
    }
}
