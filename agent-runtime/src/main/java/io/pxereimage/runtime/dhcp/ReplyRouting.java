package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.pxereimage.runtime.net.Ip4;

/**
 * Where a server reply goes, RFC 2131 section 4.1 ("server" paragraph), as a pure function of request and reply.
 *
 * <ol>
 *   <li>giaddr set: to the relay, {@code giaddr:serverPort} (RFC 2131 4.1, RFC 1542 5.4); when the relay's source
 *       port is known, to that port instead (RFC 8357 4.2): a relay that forwards to our alternate port 2067 from
 *       its own port 67 (dnsmasq {@code --dhcp-relay=...#2067}) listens for the answer on 67, and one that uses
 *       2067 on both ends (dhcrelay {@code -p 2067}) sends from 2067, so the source port is right in both cases.
 *       The relay, not we, honours the broadcast flag toward the client (we copy flags and giaddr);</li>
 *   <li>a NAK: broadcast (the client's address is wrong by definition);</li>
 *   <li>ciaddr set (RENEWING/REBINDING, INFORM): unicast {@code ciaddr:clientPort};</li>
 *   <li>broadcast bit set: {@code 255.255.255.255:clientPort};</li>
 *   <li>otherwise the RFC wants a unicast to yiaddr at chaddr, before the client has an address: that needs an
 *       ARP entry injected by hand, which Java sockets cannot do. <b>Deviation:</b> we broadcast instead, as
 *       pixiecore and most user-space servers do. Clients must accept broadcast replies anyway (they may set the
 *       flag themselves), so the only cost is the reply reaching every host on the segment.</li>
 * </ol>
 *
 * @param serverPort 67, or the alternate port when serving behind relays
 * @param clientPort 68, or the alternate client port
 */
public record ReplyRouting(int serverPort, int clientPort) {
    public static final ReplyRouting STANDARD = new ReplyRouting(67, 68);

    public InetSocketAddress route(DhcpMessage request, DhcpMessage reply) {
        return route(request, reply, 0);
    }

    /** As {@link #route(DhcpMessage, DhcpMessage)}, a relayed reply going to {@code relayPort} when not 0. */
    public InetSocketAddress route(DhcpMessage request, DhcpMessage reply, int relayPort) {
        if (!Ip4.isZero(request.giaddr())) {
            return new InetSocketAddress(request.giaddr(), relayPort > 0 ? relayPort : serverPort);
        }
        boolean nak = reply.messageType().map(MessageType.NAK::equals).orElse(false);
        if (nak) {
            return new InetSocketAddress(Ip4.BROADCAST, clientPort);
        }
        if (!Ip4.isZero(request.ciaddr())) {
            return new InetSocketAddress(request.ciaddr(), clientPort);
        }
        // Broadcast flag set, or the yiaddr unicast we cannot do (see the class comment): broadcast.
        return new InetSocketAddress(Ip4.BROADCAST, clientPort);
    }

    /**
     * A reply to a PXE boot server request (port 4011) goes back where the request came from (PXE spec 2.1, and
     * what iPXE and EDK2 wait on); a sender without an address yet gets a broadcast to the client port.
     */
    public InetSocketAddress routeProxy(DhcpMessage request, InetSocketAddress sender) {
        Optional<Inet4Address> from = sender.getAddress() instanceof Inet4Address a && !Ip4.isZero(a)
                ? Optional.of(a) : Optional.empty();
        if (from.isPresent()) {
            return new InetSocketAddress(from.get(), sender.getPort());
        }
        if (!Ip4.isZero(request.ciaddr())) {
            return new InetSocketAddress(request.ciaddr(), clientPort);
        }
        return new InetSocketAddress(Ip4.BROADCAST, clientPort);
    }
}
