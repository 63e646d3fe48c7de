package io.pxereimage.runtime.pxe;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.pxereimage.runtime.dhcp.RelayScope;
import io.pxereimage.runtime.net.Ip4;
import io.pxereimage.runtime.net.MacAddress;

/**
 * How the PXE server runs.
 *
 * @param mode {@link Mode#PROXY}: another server hands out addresses, we add boot information; {@link Mode#DHCP}:
 *             we are the DHCP server for known machines
 * @param serverAddress the address this runtime advertises: option 54, siaddr, sname, host of the URLs
 * @param serverPort 67 (2067 when serving behind relays on alternate ports)
 * @param clientPort 68 (or 2068)
 * @param proxyPort 4011, the PXE boot server port (replies leave from it)
 * @param bindAddress 0.0.0.0 to receive broadcasts (the usual), or a specific address
 * @param rangeStart first leasable address (DHCP mode)
 * @param rangeEnd last leasable address (DHCP mode)
 * @param subnetMask option 1 (DHCP mode)
 * @param router option 3, null for none
 * @param dns option 6, empty for none
 * @param leaseTime option 51 (T1 = 1/2, T2 = 7/8 of it)
 * @param dataDir where {@code leases.journal} lives; null keeps leases in memory only
 * @param reservations fixed addresses by MAC (DHCP mode)
 * @param relayScopes subnets behind relays (DHCP mode): a relayed request gets its lease from the scope holding
 *                    its giaddr; a relayed request from any other subnet gets no answer
 */
public record PxeConfig(Mode mode, Inet4Address serverAddress, int serverPort, int clientPort, int proxyPort,
                        Inet4Address bindAddress, Inet4Address rangeStart, Inet4Address rangeEnd,
                        Inet4Address subnetMask, Inet4Address router, List<Inet4Address> dns, Duration leaseTime,
                        Path dataDir, Map<MacAddress, Inet4Address> reservations, List<RelayScope> relayScopes) {

    public enum Mode { PROXY, DHCP }

    public PxeConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(serverAddress, "serverAddress");
        bindAddress = bindAddress == null ? Ip4.ANY : bindAddress;
        dns = List.copyOf(dns == null ? List.of() : dns);
        leaseTime = leaseTime == null ? Duration.ofHours(1) : leaseTime;
        reservations = Map.copyOf(reservations == null ? Map.of() : reservations);
        relayScopes = List.copyOf(relayScopes == null ? List.of() : relayScopes);
        if (mode == Mode.DHCP) {
            Objects.requireNonNull(rangeStart, "rangeStart (DHCP mode)");
            Objects.requireNonNull(rangeEnd, "rangeEnd (DHCP mode)");
            Objects.requireNonNull(subnetMask, "subnetMask (DHCP mode)");
            if (leaseTime.toSeconds() < 10 || leaseTime.toSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("leaseTime out of range: " + leaseTime);
            }
        }
    }

    /** Proxy mode on the standard ports. */
    public static PxeConfig proxy(Inet4Address server) {
        return new PxeConfig(Mode.PROXY, server, 67, 68, 4011, Ip4.ANY, null, null, null, null, List.of(), null,
                null, Map.of(), List.of());
    }

    /** DHCP mode on the standard ports, no router or DNS, leases persisted in {@code dataDir} (null: memory). */
    public static PxeConfig dhcp(Inet4Address server, Inet4Address start, Inet4Address end, Inet4Address mask,
                                 Duration leaseTime, Path dataDir) {
        return new PxeConfig(Mode.DHCP, server, 67, 68, 4011, Ip4.ANY, start, end, mask, null, List.of(), leaseTime,
                dataDir, Map.of(), List.of());
    }

    public PxeConfig withPorts(int server, int client, int proxy) {
        return new PxeConfig(mode, serverAddress, server, client, proxy, bindAddress, rangeStart, rangeEnd,
                subnetMask, router, dns, leaseTime, dataDir, reservations, relayScopes);
    }

    public PxeConfig withBindAddress(Inet4Address bind) {
        return new PxeConfig(mode, serverAddress, serverPort, clientPort, proxyPort, bind, rangeStart, rangeEnd,
                subnetMask, router, dns, leaseTime, dataDir, reservations, relayScopes);
    }

    public PxeConfig withRouterAndDns(Inet4Address router, List<Inet4Address> dns) {
        return new PxeConfig(mode, serverAddress, serverPort, clientPort, proxyPort, bindAddress, rangeStart,
                rangeEnd, subnetMask, router, dns, leaseTime, dataDir, reservations, relayScopes);
    }

    public PxeConfig withReservations(Map<MacAddress, Inet4Address> reservations) {
        return new PxeConfig(mode, serverAddress, serverPort, clientPort, proxyPort, bindAddress, rangeStart,
                rangeEnd, subnetMask, router, dns, leaseTime, dataDir, reservations, relayScopes);
    }

    public PxeConfig withRelayScopes(List<RelayScope> scopes) {
        return new PxeConfig(mode, serverAddress, serverPort, clientPort, proxyPort, bindAddress, rangeStart,
                rangeEnd, subnetMask, router, dns, leaseTime, dataDir, reservations, scopes);
    }

    /**
     * This configuration as seen by a client of a relayed subnet: that subnet's mask, its router (the scope's, or
     * the relay's {@code giaddr}) and DNS. Used to build the replies; the range fields stay ours.
     */
    public PxeConfig forRelayScope(RelayScope scope, Inet4Address giaddr) {
        Inet4Address gateway = scope.router() != null ? scope.router() : giaddr;
        return new PxeConfig(mode, serverAddress, serverPort, clientPort, proxyPort, bindAddress, scope.rangeStart(),
                scope.rangeEnd(), scope.subnetMask(), gateway, scope.dns().isEmpty() ? dns : scope.dns(), leaseTime,
                dataDir, reservations, relayScopes);
    }
}
