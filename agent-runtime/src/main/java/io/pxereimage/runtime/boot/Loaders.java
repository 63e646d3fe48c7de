package io.pxereimage.runtime.boot;

import java.util.Optional;

/**
 * Which iPXE build each firmware family loads first, as file names relative to the loader directory (served over
 * TFTP, and over HTTP at {@code /loaders/} for UEFI HTTP boot). Debian's {@code ipxe} package provides the BIOS and
 * x64 UEFI builds in {@code /usr/lib/ipxe}; other architectures need their files added to that directory.
 *
 * @param bios BIOS PXE ROMs chainload this (UNDI driver, works with any NIC's PXE ROM)
 * @param efiX64 x64 UEFI ({@code ipxe.efi} has its own drivers; {@code snponly.efi} uses the firmware's NIC)
 * @param efiIa32 32-bit UEFI, null if not provided
 * @param efiArm64 arm64 UEFI, null if not provided
 */
public record Loaders(String bios, String efiX64, String efiIa32, String efiArm64) {
    public static final Loaders DEBIAN = new Loaders("undionly.kpxe", "ipxe.efi", null, "arm64/ipxe.efi");

    public Optional<String> forArch(ClientArch arch) {
        return Optional.ofNullable(switch (arch.loader()) {
            case BIOS -> bios;
            case EFI_X64 -> efiX64;
            case EFI_IA32 -> efiIa32;
            case EFI_ARM64 -> efiArm64;
            case EFI_ARM32, EFI_RISCV64, UNKNOWN -> null;
        });
    }
}
