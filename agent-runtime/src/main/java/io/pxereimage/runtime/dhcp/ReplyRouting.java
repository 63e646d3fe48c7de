package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.pxereimage.runtime.net.Ip4;

/**
 * Where a server reply goes, RFC 2131 section 4.1 ("server" paragraph), as a pure function of request and reply.
 *
 * <ol>
 *   <li>giaddr set: to the relay, {@code giaddr:serverPort};</li>
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
        if (!Ip4.isZero(request.giaddr())) {
            return new InetSocketAddress(request.giaddr(), serverPort);
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
