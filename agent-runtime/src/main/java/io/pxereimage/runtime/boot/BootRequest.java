package io.pxereimage.runtime.boot;

import java.net.Inet4Address;
import java.util.Objects;

import io.pxereimage.runtime.net.MacAddress;

/**
 * What the planner needs to know about one boot request, extracted from a DHCP packet by the responder. It holds
 * no DHCP types, so the decision code does not depend on the codec.
 *
 * @param mac the client's hardware address (chaddr)
 * @param arch option 93, {@link ClientArch#BIOS} when the client sent none
 * @param httpClient the client asked for UEFI HTTP boot (option 60 starts with {@code HTTPClient})
 * @param ipxe the client is already iPXE (option 175 present, or user class 77 is the raw bytes {@code iPXE})
 * @param server the address this runtime advertises to the client (option 54/siaddr, host of the URLs we hand out)
 */
public record BootRequest(MacAddress mac, ClientArch arch, boolean httpClient, boolean ipxe, Inet4Address server) {
    public BootRequest {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(server, "server");
    }
}
