package io.pxereimage.runtime.dhcp;

import java.nio.charset.StandardCharsets;

/**
 * Typed access to the PXE sub-options of option 43 (PXE 2.1 spec, table 2-1). The decoder keeps every sub-option
 * raw in {@link SubOptions}; this class names the ones the server reads or sends.
 */
public final class PxeVendorOptions {
    public static final int DISCOVERY_CONTROL = 6;
    public static final int BOOT_SERVERS = 8;
    public static final int BOOT_MENU = 9;
    public static final int MENU_PROMPT = 10;
    public static final int BOOT_ITEM = 71;

    /** Discovery control bit: skip boot server discovery and use the file name in the offer. */
    public static final int USE_FILE_NAME = 0x08;

    private PxeVendorOptions() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Sub-option 6, or -1 when absent. */
    public static int discoveryControl(SubOptions o) {
        return o.get(DISCOVERY_CONTROL).filter(v -> v.length == 1).map(v -> v[0] & 0xff).orElse(-1);
    }

    /** Sub-option 71 (type, layer), or -1 when absent. */
    public static int bootItemType(SubOptions o) {
        return o.get(BOOT_ITEM).filter(v -> v.length >= 2).map(v -> ((v[0] & 0xff) << 8) | (v[1] & 0xff)).orElse(-1);
    }

    public static final class Builder {
        private final SubOptions.Builder b = SubOptions.builder();

        public Builder discoveryControl(int bits) {
            b.put(DISCOVERY_CONTROL, new byte[] {(byte) bits});
            return this;
        }

        /** Sub-option 10: seconds to show {@code text} (0 = boot the first item at once). */
        public Builder menuPrompt(int timeoutSeconds, String text) {
            byte[] t = text.getBytes(StandardCharsets.US_ASCII);
            byte[] v = new byte[1 + t.length];
            v[0] = (byte) timeoutSeconds;
            System.arraycopy(t, 0, v, 1, t.length);
            b.put(MENU_PROMPT, v);
            return this;
        }

        /** Sub-option 71: boot server type and layer. */
        public Builder bootItem(int type, int layer) {
            b.put(BOOT_ITEM, new byte[] {(byte) (type >>> 8), (byte) type, (byte) (layer >>> 8), (byte) layer});
            return this;
        }

        public Builder raw(int code, byte[] value) {
            b.put(code, value);
            return this;
        }

        public SubOptions build() {
            return b.build();
        }
    }
}
