package io.pxereimage.runtime.config;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.Loaders;

/**
 * Boot decisions that are not per machine.
 *
 * @param answerUnknown answer PXE clients that have no machine entry, booting them into {@code default}. Off by
 *                      default: a PXE server on a shared network must not take over other people's machines.
 * @param defaultBoot what unknown machines boot when {@code answerUnknown} is set
 * @param loaders the iPXE builds per firmware family, relative to the TFTP root
 */
public record BootSection(Boolean answerUnknown, SpecEntry defaultBoot, LoadersEntry loaders) {
    public BootSection {
        answerUnknown = answerUnknown != null && answerUnknown;
        if (answerUnknown && defaultBoot == null) {
            throw new IllegalArgumentException("answerUnknown: needs defaultBoot (what unknown machines boot)");
        }
        loaders = loaders == null ? new LoadersEntry(null, null, null, null) : loaders;
    }

    /** A kernel, its initrds and command line. */
    public record SpecEntry(String kernel, java.util.List<String> initrds, String cmdline) {
        public SpecEntry {
            if (kernel == null || kernel.isBlank()) {
                throw new IllegalArgumentException("kernel: required");
            }
        }

        public BootSpec toSpec() {
            return new BootSpec(kernel, initrds, cmdline);
        }
    }

    /** iPXE builds; omitted entries take Debian's names. */
    public record LoadersEntry(String bios, String efiX64, String efiIa32, String efiArm64) {
        public Loaders toLoaders() {
            Loaders d = Loaders.DEBIAN;
            return new Loaders(bios == null ? d.bios() : bios, efiX64 == null ? d.efiX64() : efiX64,
                    efiIa32 == null ? d.efiIa32() : efiIa32, efiArm64 == null ? d.efiArm64() : efiArm64);
        }
    }
}
