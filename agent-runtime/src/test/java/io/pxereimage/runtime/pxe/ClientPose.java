package io.pxereimage.runtime.pxe;

import java.util.List;

/**
 * The boot clients our tests impersonate with udhcpc and dhclient, and what the server must answer each of them
 * (docs/dhcp.md, "What is sent to whom").
 */
enum ClientPose {
    BIOS("PXEClient", "arch=bios ipxe=false", true, false,
            List.of("-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000"),
            """
            send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
            send pxe-arch 0;
            """),
    UEFI("PXEClient", "arch=efi-x64 ipxe=false", false, false,
            List.of("-V", "PXEClient:Arch:00007:UNDI:003000", "-x", "0x5d:0007"),
            """
            send vendor-class-identifier "PXEClient:Arch:00007:UNDI:003000";
            send pxe-arch 7;
            """),
    HTTP("HTTPClient", "arch=efi-x64-http ipxe=false http=true", false, false,
            List.of("-V", "HTTPClient:Arch:00016:UNDI:003000", "-x", "0x5d:0010"),
            """
            send vendor-class-identifier "HTTPClient:Arch:00016:UNDI:003000";
            send pxe-arch 16;
            """),
    /**
     * udhcpc sends both iPXE markers (raw user class and option 175); dhclient only the user class, which it sends
     * as the raw text {@code iPXE} (no RFC 3004 length prefix, like iPXE itself), so the server must recognise it
     * from option 77 alone.
     */
    IPXE("PXEClient", "arch=bios ipxe=true", true, true,
            List.of("-x", "0x4d:69505845", "-x", "0xaf:b10501808610"),
            """
            send user-class "iPXE";
            """);

    /** Option 60 the server must answer with. */
    final String vendor;
    /** How the server log describes this client. */
    final String logged;
    /** Whether the reply must carry option 43 (discovery control 8): BIOS and iPXE, not UEFI PXE nor HTTP boot. */
    final boolean vendorOptions;
    /** Whether the reply must carry option 175 with 176 = 1 (iPXE: do not wait for proxy offers). */
    final boolean ipxeFlag;
    final List<String> udhcpcArgs;
    private final String dhclientSends;

    ClientPose(String vendor, String logged, boolean vendorOptions, boolean ipxeFlag, List<String> udhcpcArgs,
               String dhclientSends) {
        this.vendor = vendor;
        this.logged = logged;
        this.vendorOptions = vendorOptions;
        this.ipxeFlag = ipxeFlag;
        this.udhcpcArgs = udhcpcArgs;
        this.dhclientSends = dhclientSends;
    }

    /** The boot file (BOOTP file field, and option 67) this pose must be given. */
    String bootFile(String server, String mac) {
        return switch (this) {
            case BIOS -> "undionly.kpxe";
            case UEFI -> "ipxe.efi";
            case HTTP -> "http://" + server + ":8080/loaders/ipxe.efi";
            case IPXE -> "http://" + server + ":8080/boot/" + mac + ".ipxe";
        };
    }

    /**
     * A dhclient.conf for this pose. Options 93 and 175 are not in dhclient's table: they are declared so dhclient
     * can send 93 and hands a received 175 to the script as {@code new_ipxe_encap}. {@code extra} tunes timers.
     */
    String dhclientConf(String extra) {
        return """
                option pxe-arch code 93 = unsigned integer 16;
                option ipxe-encap code 175 = string;
                """ + dhclientSends + extra;
    }
}
