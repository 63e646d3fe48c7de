package io.pxereimage.runtime.boot;

/**
 * Client system architecture, DHCP option 93 (RFC 4578, IANA "Processor Architecture Types"). An open enum: any
 * code is representable, the known ones are named, and {@link #loader()} groups them by the iPXE build they need.
 */
public record ClientArch(int code) {
    public static final ClientArch BIOS = new ClientArch(0);
    public static final ClientArch EFI_IA32 = new ClientArch(6);
    public static final ClientArch EFI_X64 = new ClientArch(7);
    /** EFI byte code: firmwares that send 9 are in practice x64 (dnsmasq and pixiecore treat it so). */
    public static final ClientArch EFI_BC = new ClientArch(9);
    public static final ClientArch EFI_ARM32 = new ClientArch(10);
    public static final ClientArch EFI_ARM64 = new ClientArch(11);
    public static final ClientArch EFI_IA32_HTTP = new ClientArch(15);
    public static final ClientArch EFI_X64_HTTP = new ClientArch(16);
    public static final ClientArch EFI_ARM32_HTTP = new ClientArch(18);
    public static final ClientArch EFI_ARM64_HTTP = new ClientArch(19);
    public static final ClientArch BIOS_HTTP = new ClientArch(20);
    public static final ClientArch EFI_RISCV64 = new ClientArch(0x1b);
    public static final ClientArch EFI_RISCV64_HTTP = new ClientArch(0x1c);

    /** Which iPXE build a client of this architecture runs. */
    public enum Loader { BIOS, EFI_IA32, EFI_X64, EFI_ARM32, EFI_ARM64, EFI_RISCV64, UNKNOWN }

    public ClientArch {
        if (code < 0 || code > 0xffff) {
            throw new IllegalArgumentException("architecture code out of range: " + code);
        }
    }

    public Loader loader() {
        return switch (code) {
            case 0, 20 -> Loader.BIOS;
            case 6, 15 -> Loader.EFI_IA32;
            case 7, 9, 16 -> Loader.EFI_X64;
            case 10, 18 -> Loader.EFI_ARM32;
            case 11, 19 -> Loader.EFI_ARM64;
            case 0x1b, 0x1c -> Loader.EFI_RISCV64;
            default -> Loader.UNKNOWN;
        };
    }

    /** The UEFI HTTP boot variants (their DHCP requests carry {@code HTTPClient} in option 60). */
    public boolean isHttpBoot() {
        return code == 15 || code == 16 || code == 18 || code == 19 || code == 20 || code == 0x1c;
    }

    public boolean isUefi() {
        Loader l = loader();
        return l != Loader.BIOS && l != Loader.UNKNOWN;
    }

    @Override
    public String toString() {
        return switch (code) {
            case 0 -> "bios";
            case 6 -> "efi-ia32";
            case 7 -> "efi-x64";
            case 9 -> "efi-bc";
            case 10 -> "efi-arm32";
            case 11 -> "efi-arm64";
            case 15 -> "efi-ia32-http";
            case 16 -> "efi-x64-http";
            case 18 -> "efi-arm32-http";
            case 19 -> "efi-arm64-http";
            case 20 -> "bios-http";
            case 0x1b -> "efi-riscv64";
            case 0x1c -> "efi-riscv64-http";
            default -> "arch-" + code;
        };
    }
}
