package io.pxereimage.runtime.dhcp;

/**
 * Sub-options of option 175, iPXE's encapsulated options (iPXE {@code include/ipxe/dhcp.h}). iPXE sends its
 * feature flags there (so its presence identifies iPXE); servers may send settings back.
 */
public final class IpxeOptions {
    /** Server to iPXE: 1 = do not wait for ProxyDHCP offers (saves about 2 s per boot). */
    public static final int NO_PXEDHCP = 176;
    public static final int PRIORITY = 1;
    public static final int BUS_ID = 177;
    public static final int VERSION = 235;

    private IpxeOptions() {
    }

    /** What the server sends: just 176 = 1. */
    public static SubOptions noProxyWait() {
        return SubOptions.builder().put(NO_PXEDHCP, new byte[] {1}).build();
    }
}
