package io.pxereimage.runtime.boot;

import java.util.List;
import java.util.Objects;

/**
 * What a machine network-boots into: a kernel, its initrds and a command line.
 *
 * @param kernel an absolute http(s) URL, or a path under the runtime's HTTP file root (served at {@code /files/})
 * @param initrds the same forms as {@code kernel}, loaded in order
 * @param cmdline the kernel command line, without the {@code initrd=} arguments (the script adds them)
 */
public record BootSpec(String kernel, List<String> initrds, String cmdline) {
    public BootSpec {
        Objects.requireNonNull(kernel, "kernel");
        if (kernel.isBlank()) {
            throw new IllegalArgumentException("kernel must not be empty");
        }
        initrds = List.copyOf(initrds == null ? List.of() : initrds);
        cmdline = cmdline == null ? "" : cmdline.strip();
    }
}
