package io.pxereimage.runtime;

import java.nio.file.Path;
import java.util.List;

import io.pxereimage.runtime.config.DhcpSection;
import io.pxereimage.runtime.net.MacAddress;

/**
 * What {@code pxe-runtime boot} was asked: one kernel, its initrds and command line, for some MACs (or all).
 */
public record QuickBoot(Path kernel, List<Path> initrds, String cmdline, DhcpSection.Mode mode, String interfaceName,
        List<MacAddress> macs, int httpPort, Path tftpRoot, Path dataDir) {
    public QuickBoot {
        initrds = List.copyOf(initrds);
        macs = List.copyOf(macs);
    }
}
