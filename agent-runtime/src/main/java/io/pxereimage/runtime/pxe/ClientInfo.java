package io.pxereimage.runtime.pxe;

import java.net.Inet4Address;
import java.util.Arrays;

import io.pxereimage.runtime.boot.BootRequest;
import io.pxereimage.runtime.boot.ClientArch;
import io.pxereimage.runtime.dhcp.DhcpMessage;
import io.pxereimage.runtime.net.MacAddress;

/**
 * What a DHCP request says about the client's boot capabilities, read once from the packet.
 *
 * @param mac chaddr
 * @param arch option 93 (first code), BIOS when absent (many BIOS ROMs and a Raspberry Pi send 0 or nothing)
 * @param vendorClass option 60, empty when absent
 * @param pxeClient option 60 starts with {@code PXEClient}
 * @param httpClient option 60 starts with {@code HTTPClient} (UEFI HTTP boot)
 * @param ipxe option 175 present, or user class 77 is the raw bytes {@code iPXE}
 */
public record ClientInfo(MacAddress mac, ClientArch arch, String vendorClass, boolean pxeClient, boolean httpClient,
                         boolean ipxe) {
    private static final byte[] IPXE_USER_CLASS = {'i', 'P', 'X', 'E'};

    /** Reads the request; empty mac (not Ethernet) is the caller's problem, checked before. */
    public static ClientInfo of(DhcpMessage m) {
        MacAddress mac = m.mac().orElseThrow(() -> new IllegalArgumentException("not an Ethernet client"));
        int code = m.clientArch().orElse(0);
        String vc = m.vendorClass().orElse("");
        // iPXE sends 77 as the bare bytes "iPXE", not as RFC 3004 length-prefixed classes: compare raw.
        boolean ipxe = m.ipxe().isPresent()
                || m.userClass().map(u -> Arrays.equals(u, IPXE_USER_CLASS)).orElse(false);
        return new ClientInfo(mac, new ClientArch(code), vc, vc.startsWith("PXEClient"), vc.startsWith("HTTPClient"),
                ipxe);
    }

    /** Whether this client network-boots at all (firmware PXE, UEFI HTTP boot, or iPXE). */
    public boolean bootClient() {
        return pxeClient || httpClient || ipxe;
    }

    /**
     * UEFI firmware PXE (arch 6/7/9): gets a "BINL" offer without option 43, so it asks again on port 4011.
     * Many UEFI firmwares ignore proxy offers that try to skip boot server discovery (pixiecore, dnsmasq do
     * the same). iPXE is excluded: it honours 43.6 = 8 whatever the architecture.
     */
    public boolean wantsBinl() {
        int c = arch.code();
        return !ipxe && !httpClient && (c == 6 || c == 7 || c == 9);
    }

    /**
     * Whether replies carry option 43 with discovery control 8 ("boot the file name in this offer"): BIOS PXE and
     * iPXE clients; not UEFI firmware PXE (see {@link #wantsBinl()}) nor HTTP boot, which has no PXE options.
     */
    public boolean wantsVendorOptions() {
        return (pxeClient || ipxe) && !httpClient && !wantsBinl();
    }

    public BootRequest toBootRequest(Inet4Address server) {
        return new BootRequest(mac, arch, httpClient, ipxe, server);
    }
}
