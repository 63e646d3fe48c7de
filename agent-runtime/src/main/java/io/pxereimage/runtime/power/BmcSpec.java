package io.pxereimage.runtime.power;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * How to reach one machine's BMC, from the config file's {@code bmc:} section.
 *
 * @param driver {@code ipmi}, {@code redfish}, {@code wol} or {@code manual}
 * @param address ipmi: {@code host[:port]}; redfish: {@code https://host[:port]}; wol: broadcast
 *                {@code address[:port]} (default 255.255.255.255:9); manual: unused
 * @param password the secret itself, already read from {@code passwordFile} if one was given; never printed
 * @param systemId redfish: the ComputerSystem's Id ({@code null}: the first of the Systems collection)
 * @param trust redfish: {@code system}, {@code insecure} or a PEM file of CAs
 */
public record BmcSpec(String driver, String address, String user, String password, String systemId, String trust,
        Duration timeout) {
    public BmcSpec {
        driver = driver == null ? "manual" : driver.toLowerCase(Locale.ROOT);
        if (!driver.equals("ipmi") && !driver.equals("redfish") && !driver.equals("wol") && !driver.equals("manual")) {
            throw new IllegalArgumentException("driver: must be ipmi, redfish, wol or manual, not '" + driver + "'");
        }
        if ((driver.equals("ipmi") || driver.equals("redfish")) && (address == null || address.isBlank())) {
            throw new IllegalArgumentException("address: required for driver " + driver);
        }
        timeout = timeout == null ? Duration.ofSeconds(20) : timeout;
    }

    /** The driver for machine {@code name} with boot NIC {@code mac}; {@code humans} gets the manual driver's text. */
    public PowerDriver create(String name, String mac, Consumer<String> humans) throws PowerException {
        return switch (driver) {
            case "ipmi" -> {
                HostPort hp = HostPort.parse(address, 623);
                yield new IpmiToolDriver("ipmitool", hp.host(), hp.port(), user, password, timeout);
            }
            case "redfish" -> new RedfishDriver(URI.create(address), systemId, user, password,
                    TrustPolicy.parse(trust), timeout);
            case "wol" -> {
                HostPort hp = HostPort.parse(address == null ? "255.255.255.255" : address, 9);
                yield new WolDriver(mac, new InetSocketAddress(hp.host(), hp.port()));
            }
            default -> new ManualDriver(name, humans);
        };
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "BmcSpec[driver=" + driver + ", address=" + address + ", user=" + user + ", password="
                + (password == null ? "none" : "(set)") + "]";
    }

    record HostPort(String host, int port) {
        static HostPort parse(String s, int defaultPort) {
            int colon = s.lastIndexOf(':');
            if (colon > 0 && s.indexOf(':') == colon) {
                return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            }
            return new HostPort(s, defaultPort);
        }
    }
}
