package io.pxereimage.runtime.pxe;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.pxereimage.runtime.boot.BootDecision;
import io.pxereimage.runtime.boot.BootDecision.Boot;
import io.pxereimage.runtime.boot.BootPlanner;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.dhcp.Lease;
import io.pxereimage.runtime.dhcp.LeasePool;
import io.pxereimage.runtime.dhcp.MessageType;
import io.pxereimage.runtime.dhcp.RelayScope;
import io.pxereimage.runtime.dhcp.ReplyRouting;
import io.pxereimage.runtime.net.Ip4;

/**
 * The server's decisions, without sockets: one decoded request in, at most one reply and its destination out.
 * The sequence is fixed (pixiecore-style): is it for us -> read the client -> ask the planner -> build the reply
 * (pure, {@link PxeReplies}) -> route it ({@link ReplyRouting}).
 */
public final class PxeResponder {

    /**
     * @param reply null when we stay silent
     * @param destination where to send it (null when silent)
     * @param fromProxyPort send from the 4011 socket (iPXE drops 4011 replies from any other port)
     * @param outcome short metric label: offer, ack, nak, ignored, declined, released
     * @param detail the log tail after the arrow, e.g. {@code OFFER file=undionly.kpxe} or
     *               {@code ignored (unknown MAC)}
     */
    public record Response(DhcpMessage reply, InetSocketAddress destination, boolean fromProxyPort, String outcome,
                           String detail) {
        static Response silent(String reason) {
            return new Response(null, null, false, "ignored", "ignored (" + reason + ")");
        }
    }

    private final PxeConfig config;
    private final BootPlanner planner;
    private final MachineRegistry machines;
    private final LeasePool pool;
    private final Map<RelayScope, LeasePool> relayPools;
    private final Clock clock;
    private final ReplyRouting routing;

    /** {@code pool} is required in DHCP mode and ignored in proxy mode. */
    public PxeResponder(PxeConfig config, BootPlanner planner, MachineRegistry machines, LeasePool pool, Clock clock) {
        this(config, planner, machines, pool, Map.of(), clock);
    }

    /** As above, with one lease pool per relayed subnet ({@link PxeConfig#relayScopes()}). */
    public PxeResponder(PxeConfig config, BootPlanner planner, MachineRegistry machines, LeasePool pool,
            Map<RelayScope, LeasePool> relayPools, Clock clock) {
        this.config = config;
        this.planner = planner;
        this.machines = machines;
        this.pool = pool;
        this.relayPools = Map.copyOf(relayPools);
        this.clock = clock;
        this.routing = new ReplyRouting(config.serverPort(), config.clientPort());
        if (config.mode() == PxeConfig.Mode.DHCP && pool == null) {
            throw new IllegalArgumentException("DHCP mode needs a lease pool");
        }
        for (RelayScope s : config.relayScopes()) {
            if (config.mode() == PxeConfig.Mode.DHCP && !this.relayPools.containsKey(s)) {
                throw new IllegalArgumentException("no lease pool for relayed subnet " + s.cidr());
            }
        }
    }

    /** Handles a request that arrived on {@code localPort} from {@code sender}. Never throws for client input. */
    public Response handle(DhcpMessage req, int localPort, InetSocketAddress sender) {
        if (req.op() != DhcpMessage.BOOTREQUEST) {
            return Response.silent("not a request");
        }
        if (req.mac().isEmpty()) {
            return Response.silent("not Ethernet");
        }
        MessageType type = req.messageType().orElseThrow();
        ClientInfo client = ClientInfo.of(req);
        if (localPort == config.proxyPort()) {
            return bootServer(req, type, client, sender);
        }
        int relayPort = Ip4.isZero(req.giaddr()) ? 0 : sender.getPort();
        return config.mode() == PxeConfig.Mode.PROXY ? proxy(req, type, client, relayPort)
                : dhcp(req, type, client, relayPort);
    }

    /** Port 67 in proxy mode: only boot information, only to PXE DISCOVERs; the real DHCP server does the rest. */
    private Response proxy(DhcpMessage req, MessageType type, ClientInfo client, int relayPort) {
        if (!type.equals(MessageType.DISCOVER)) {
            return Response.silent(type + " is for the DHCP server");
        }
        return withBoot(client, boot -> {
            DhcpMessage reply = PxeReplies.proxyOffer(req, client, boot, config.serverAddress());
            String binl = client.wantsBinl() ? " (BINL: expect 4011)" : "";
            return new Response(reply, routing.route(req, reply, relayPort), false, "offer",
                    "OFFER file=" + boot.bootFile() + binl + relayed(req));
        });
    }

    /** Asks the planner about a PXE client; silence for non-PXE clients and for Ignore decisions. */
    private Response withBoot(ClientInfo client, Function<Boot, Response> answer) {
        if (!client.bootClient()) {
            return Response.silent("not a PXE client");
        }
        BootDecision d = planner.decide(client.toBootRequest(config.serverAddress()));
        if (d instanceof BootDecision.Ignore ignore) {
            return Response.silent(ignore.reason());
        }
        return answer.apply((Boot) d);
    }

    /** Port 4011: the PXE boot server. Answers REQUEST/INFORM from boot clients with a Boot decision. */
    private Response bootServer(DhcpMessage req, MessageType type, ClientInfo client, InetSocketAddress sender) {
        if (!type.equals(MessageType.REQUEST) && !type.equals(MessageType.INFORM)) {
            return Response.silent(type + " on the boot server port");
        }
        return withBoot(client, boot -> new Response(PxeReplies.proxyAck(req, client, boot, config.serverAddress()),
                routing.routeProxy(req, sender), true, "ack", "ACK file=" + boot.bootFile()));
    }

    /** Port 67 in DHCP mode: a full server for known machines, silence for everyone else. */
    private Response dhcp(DhcpMessage req, MessageType type, ClientInfo client, int relayPort) {
        if (machines.planFor(client.mac()).isEmpty()) {
            // A PXE server on a real network must never take over other machines' configuration.
            return Response.silent("unknown MAC");
        }
        Optional<RelayScope> relayScope = scopeOf(req);
        if (!Ip4.isZero(req.giaddr()) && relayScope.isEmpty() && !local(req.giaddr())) {
            return Response.silent("relayed from " + req.giaddr().getHostAddress() + ", no relayed subnet holds it");
        }
        // The client's subnet: ours, or the relayed one (its pool; its mask, router and DNS in the replies).
        LeasePool leases = relayScope.map(relayPools::get).orElse(pool);
        PxeConfig subnet = relayScope.map(s -> config.forRelayScope(s, req.giaddr())).orElse(config);
        Inet4Address me = config.serverAddress();
        Optional<Inet4Address> serverId = req.serverId();
        if (serverId.isPresent() && !serverId.get().equals(me)) {
            if (type.equals(MessageType.REQUEST)) {
                // The client chose another server's offer: drop ours (RFC 2131 4.3.2).
                leases.lease(client.mac()).filter(l -> l.state() == Lease.State.OFFERED)
                        .ifPresent(l -> leases.release(client.mac(), l.address()));
            }
            return Response.silent("for server " + serverId.get().getHostAddress());
        }
        Boot boot = client.bootClient() ? bootFor(client) : null;
        String file = boot == null ? "" : " file=" + boot.bootFile();
        switch (type.code()) {
            case 1 -> { // DISCOVER
                Optional<Lease> offered = leases.offer(client.mac(), req.requestedIp().orElse(null));
                if (offered.isEmpty()) {
                    return Response.silent("no free address");
                }
                DhcpMessage reply = PxeReplies.lease(req, client, MessageType.OFFER, offered.get(), subnet, boot,
                        clock.instant());
                return new Response(reply, routing.route(req, reply, relayPort), false, "offer",
                        "OFFER " + offered.get().address().getHostAddress() + file + relayed(req));
            }
            case 3 -> { // REQUEST: SELECTING/INIT-REBOOT carry option 50, RENEWING/REBINDING carry ciaddr
                Inet4Address wanted = req.requestedIp().orElse(req.ciaddr());
                if (Ip4.isZero(wanted)) {
                    return Response.silent("REQUEST without an address");
                }
                LeasePool.Result r = leases.request(client.mac(), wanted);
                if (r instanceof LeasePool.Result.Nak nak) {
                    DhcpMessage reply = PxeReplies.nak(req, me, nak.reason());
                    return new Response(reply, routing.route(req, reply, relayPort), false, "nak", "NAK (" + nak.reason() + ")");
                }
                Lease lease = ((LeasePool.Result.Ack) r).lease();
                DhcpMessage reply = PxeReplies.lease(req, client, MessageType.ACK, lease, subnet, boot, clock.instant());
                return new Response(reply, routing.route(req, reply, relayPort), false, "ack",
                        "ACK " + lease.address().getHostAddress() + file + relayed(req));
            }
            case 4 -> { // DECLINE
                Inet4Address addr = req.requestedIp().orElse(Ip4.ANY);
                boolean done = leases.decline(client.mac(), addr);
                return new Response(null, null, false, done ? "declined" : "ignored",
                        (done ? "declined " : "ignored (DECLINE of an address it does not hold) ") + addr.getHostAddress());
            }
            case 7 -> { // RELEASE
                boolean done = leases.release(client.mac(), req.ciaddr());
                return new Response(null, null, false, done ? "released" : "ignored",
                        (done ? "released " : "ignored (RELEASE of an address it does not hold) ")
                                + req.ciaddr().getHostAddress());
            }
            case 8 -> { // INFORM
                if (Ip4.isZero(req.ciaddr())) {
                    return Response.silent("INFORM without ciaddr");
                }
                DhcpMessage reply = PxeReplies.informAck(req, client, subnet, boot);
                return new Response(reply, routing.route(req, reply, relayPort), false, "ack", "ACK (inform)" + file);
            }
            default -> {
                return Response.silent(type + " is not for a server");
            }
        }
    }

    /**
     * The relayed subnet a request belongs to: its giaddr's (RFC 2131 4.3.1), or, for a request sent straight to
     * us (renewal, release, inform: giaddr 0), its ciaddr's. Empty: the local subnet.
     */
    private Optional<RelayScope> scopeOf(DhcpMessage req) {
        Inet4Address where = Ip4.isZero(req.giaddr()) ? req.ciaddr() : req.giaddr();
        if (Ip4.isZero(where)) {
            return Optional.empty();
        }
        return config.relayScopes().stream().filter(s -> s.contains(where)).findFirst();
    }

    /** Whether {@code a} is in the subnet of our own range (a relay on our own segment: odd but harmless). */
    private boolean local(Inet4Address a) {
        int mask = Ip4.toInt(config.subnetMask());
        return (Ip4.toInt(a) & mask) == (Ip4.toInt(config.rangeStart()) & mask);
    }

    private static String relayed(DhcpMessage req) {
        return Ip4.isZero(req.giaddr()) ? "" : " via relay " + req.giaddr().getHostAddress();
    }

    private Boot bootFor(ClientInfo client) {
        BootDecision d = planner.decide(client.toBootRequest(config.serverAddress()));
        return d instanceof Boot b ? b : null;
    }
}
