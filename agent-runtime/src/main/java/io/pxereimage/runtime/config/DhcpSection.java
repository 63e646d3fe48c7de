package io.pxereimage.runtime.config;

import java.util.List;
import java.util.Locale;

/**
 * DHCP settings.
 *
 * @param mode {@code proxy} (another server hands out addresses; we only add boot information), {@code dhcp} (we are
 *             the DHCP server of an isolated boot network) or {@code off}
 * @param serverPort 67, or 2067 behind DHCP snooping
 * @param clientPort 68, or 2068
 * @param proxyPort the PXE boot-server (BINL) port UEFI clients ask after a proxy offer, 4011
 * @param rangeStart first address handed out in dhcp mode (default: the interface's subnet)
 * @param rangeEnd last address handed out in dhcp mode
 * @param subnetMask option 1 in dhcp mode
 * @param router option 3 in dhcp mode, none by default (an isolated boot network has no gateway)
 * @param dns option 6 in dhcp mode
 * @param leaseSeconds option 51 in dhcp mode
 * @param bind the address the DHCP sockets bind: {@code 0.0.0.0} (default) hears broadcasts, which DHCP needs
 */
public record DhcpSection(String mode, Integer serverPort, Integer clientPort, Integer proxyPort, String rangeStart,
        String rangeEnd, String subnetMask, String router, List<String> dns, Integer leaseSeconds, String bind) {

    public enum Mode { PROXY, DHCP, OFF }

    public DhcpSection {
        mode = mode == null ? "proxy" : mode.toLowerCase(Locale.ROOT);
        if (!List.of("proxy", "dhcp", "off").contains(mode)) {
            throw new IllegalArgumentException("mode: must be proxy, dhcp or off, not '" + mode + "'");
        }
        serverPort = Fields.port("serverPort", serverPort, 67);
        clientPort = Fields.port("clientPort", clientPort, 68);
        proxyPort = Fields.port("proxyPort", proxyPort, 4011);
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
    }

    public Mode modeValue() {
        return Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    }
}
