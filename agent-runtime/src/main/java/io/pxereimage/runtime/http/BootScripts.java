package io.pxereimage.runtime.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pxereimage.runtime.activity.Activity;
import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.DeployEnvironment;
import io.pxereimage.runtime.boot.IpxeScripts;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;
import io.pxereimage.runtime.timeline.BootTimeline;

/** {@code /boot/{mac}.ipxe}: the machine's iPXE script, rendered from its plan on every request. */
final class BootScripts {
    private static final Logger LOG = LoggerFactory.getLogger(BootScripts.class);
    /** host, host:port, [v6], [v6]:port. Anything else in Host is ignored: it ends up inside a script. */
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?");

    private final MachineRegistry registry;
    private final DeployEnvironment deploy;
    /** Where served scripts count as the {@code script} phase of a boot; {@code null}: not tracked. */
    volatile BootTimeline boots;

    /** @param deploy what DEPLOY plans boot, or {@code null} when this runtime does not deploy */
    BootScripts(MachineRegistry registry, DeployEnvironment deploy) {
        this.registry = registry;
        this.deploy = deploy;
    }

    /** @param name what follows {@code /boot/}, e.g. {@code 52:54:00:12:34:56.ipxe} */
    void serve(Exchange ex, String name, String hostHeader) {
        if (!ex.method.name().equals("GET") && !ex.method.name().equals("HEAD")) {
            ex.methodNotAllowed("GET, HEAD");
            return;
        }
        if (!name.endsWith(".ipxe")) {
            ex.text(HttpResponseStatus.NOT_FOUND, "boot scripts are /boot/<mac>.ipxe");
            return;
        }
        MacAddress mac;
        try {
            mac = MacAddress.parse(name.substring(0, name.length() - ".ipxe".length()));
        } catch (IllegalArgumentException e) {
            ex.text(HttpResponseStatus.NOT_FOUND, "not a MAC address");
            return;
        }
        Optional<MachinePlan> plan = registry.planFor(mac);
        if (plan.isEmpty()) {
            LOG.info("HTTP script {} -> no boot plan (404, from {})", mac, Routes.remote(ex.ctx));
            if (ex.activity != null) {
                ex.activity.record(Activity.Kind.HTTP, mac, "script /boot/" + mac + ".ipxe -> 404 no boot plan");
            }
            ex.text(HttpResponseStatus.NOT_FOUND, "no boot plan for " + mac);
            return;
        }
        String base = baseUrl(hostHeader, ex.ctx.channel().localAddress());
        MachinePlan p = plan.get();
        if (p.action() == MachinePlan.Action.DEPLOY) {
            // The deploy environment, with a fresh one-time token: never log the script itself.
            Optional<BootSpec> env = deploy == null ? Optional.empty() : deploy.specFor(p, base, !ex.head());
            p = new MachinePlan(p.mac(), p.name(), MachinePlan.Action.DEPLOY, env.orElse(null));
        }
        String script = IpxeScripts.render(p, base);
        if (!ex.head()) {
            BootTimeline b = boots;
            if (b != null) {
                b.reached(mac, BootTimeline.Phase.SCRIPT);
            }
            LOG.info("HTTP script {} -> {}{}", mac, p.name(), p.action() == MachinePlan.Action.DEPLOY
                    ? " (deploy environment)" : "");
            if (ex.activity != null) {
                ex.activity.record(Activity.Kind.HTTP, mac, "script /boot/" + mac + ".ipxe -> "
                        + p.action().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        ex.send(HttpResponseStatus.OK, Exchange.TEXT, script.getBytes(StandardCharsets.UTF_8),
                Map.of("Cache-Control", "no-store"), false);
    }

    /** {@code http://} + the Host the client used, else the local address the request came in on. */
    static String baseUrl(String hostHeader, SocketAddress local) {
        if (hostHeader != null && HOST.matcher(hostHeader.strip()).matches()) {
            return "http://" + hostHeader.strip();
        }
        if (local instanceof InetSocketAddress a && a.getAddress() != null) {
            String host = a.getAddress().getHostAddress();
            int scope = host.indexOf('%');
            if (scope >= 0) {
                host = host.substring(0, scope);
            }
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            return "http://" + host + ":" + a.getPort();
        }
        return "http://localhost";
    }
}
