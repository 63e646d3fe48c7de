package io.pxereimage.runtime.config;

import java.util.List;
import java.util.Locale;

/**
 * DHCP settings.
 *
 * @param mode {@code proxy} (another server hands out addresses; we only add boot information), {@code dhcp} (we are
 *             the DHCP server of an isolated boot network) or {@code off}
 * @param serverPort 67; 2067 when {@code alternatePorts} is on (behind DHCP snooping, or when 67 is taken)
 * @param clientPort 68; 2068 when {@code alternatePorts} is on
 * @param proxyPort the PXE boot-server (BINL) port UEFI clients ask after a proxy offer, 4011
 * @param rangeStart first address handed out in dhcp mode (default: the interface's subnet)
 * @param rangeEnd last address handed out in dhcp mode
 * @param subnetMask option 1 in dhcp mode
 * @param router option 3 in dhcp mode, none by default (an isolated boot network has no gateway)
 * @param dns option 6 in dhcp mode
 * @param leaseSeconds option 51 in dhcp mode
 * @param bind the address the DHCP sockets bind: {@code 0.0.0.0} (default) hears broadcasts, which DHCP needs
 * @param alternatePorts listen on 2067 and answer local clients on 2068 instead of 67/68 (relays forward to 2067;
 *                       docs/relay.md); {@code serverPort}/{@code clientPort} still override each
 * @param relayedSubnets dhcp mode: the client subnets behind relays and their ranges; relayed requests from other
 *                       subnets get no answer
 */
public record DhcpSection(String mode, Integer serverPort, Integer clientPort, Integer proxyPort, String rangeStart,
        String rangeEnd, String subnetMask, String router, List<String> dns, Integer leaseSeconds, String bind,
        Boolean alternatePorts, List<RelayedSubnet> relayedSubnets) {

    public static final int ALTERNATE_SERVER_PORT = 2067;
    public static final int ALTERNATE_CLIENT_PORT = 2068;

    /** The defaults (proxy mode, standard ports). */
    public static DhcpSection defaults(String mode) {
        return new DhcpSection(mode, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public enum Mode { PROXY, DHCP, OFF }

    public DhcpSection {
        mode = mode == null ? "proxy" : mode.toLowerCase(Locale.ROOT);
        if (!List.of("proxy", "dhcp", "off").contains(mode)) {
            throw new IllegalArgumentException("mode: must be proxy, dhcp or off, not '" + mode + "'");
        }
        alternatePorts = alternatePorts != null && alternatePorts;
        serverPort = Fields.port("serverPort", serverPort, alternatePorts ? ALTERNATE_SERVER_PORT : 67);
        clientPort = Fields.port("clientPort", clientPort, alternatePorts ? ALTERNATE_CLIENT_PORT : 68);
        proxyPort = Fields.port("proxyPort", proxyPort, 4011);
        if (serverPort == 0 || clientPort == 0) {
            throw new IllegalArgumentException((serverPort == 0 ? "serverPort" : "clientPort")
                    + ": 0 is not a DHCP port");
        }
        if (serverPort.equals(clientPort) || serverPort.equals(proxyPort)) {
            throw new IllegalArgumentException("serverPort: " + serverPort + " is also the "
                    + (serverPort.equals(clientPort) ? "clientPort" : "proxyPort"));
        }
        if (alternatePorts && serverPort == 67) {
            throw new IllegalArgumentException("serverPort: 67 with alternatePorts on: drop one of them");
        }
        if (rangeStart != null) {
            Fields.ipv4("rangeStart", rangeStart);
        }
        if (rangeEnd != null) {
            Fields.ipv4("rangeEnd", rangeEnd);
        }
        if ((rangeStart == null) != (rangeEnd == null)) {
            throw new IllegalArgumentException("rangeStart/rangeEnd: give both or neither");
        }
        if (subnetMask != null) {
            Fields.ipv4("subnetMask", subnetMask);
        }
        if (router != null) {
            Fields.ipv4("router", router);
        }
        dns = dns == null ? List.of() : List.copyOf(dns);
        dns.forEach(d -> Fields.ipv4("dns", d));
        leaseSeconds = Fields.range("leaseSeconds", leaseSeconds, 3600, 60, 7 * 24 * 3600);
        bind = bind == null ? "0.0.0.0" : bind;
        Fields.ipv4("bind", bind);
        relayedSubnets = relayedSubnets == null ? List.of() : List.copyOf(relayedSubnets);
        if (!relayedSubnets.isEmpty() && !mode.equals("dhcp")) {
            throw new IllegalArgumentException("relayedSubnets: only in mode dhcp (in proxy mode the relayed"
                    + " subnet's own DHCP server hands out addresses)");
        }
        var scopes = relayedSubnets.stream().map(RelayedSubnet::toScope).toList();
        for (int i = 0; i < scopes.size(); i++) {
            for (int j = i + 1; j < scopes.size(); j++) {
                if (scopes.get(i).contains(scopes.get(j).network()) || scopes.get(j).contains(scopes.get(i).network())) {
                    throw new IllegalArgumentException("relayedSubnets: " + scopes.get(j).cidr() + " overlaps "
                            + scopes.get(i).cidr() + " (a giaddr must name one subnet)");
                }
            }
        }
    }

    public Mode modeValue() {
        return Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    }
}
