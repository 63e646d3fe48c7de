package io.pxereimage.runtime.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.pxereimage.runtime.PxeRuntime;
import io.pxereimage.runtime.QuickBoot;
import io.pxereimage.runtime.config.DhcpSection;
import io.pxereimage.runtime.net.MacAddress;

/**
 * {@code pxe-runtime boot KERNEL [INITRD...]}: serve one kernel to the given MACs right now, no config file.
 * Without {@code --mac} it answers every PXE client on the interface, so it says so loudly.
 */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = {"Network-boot KERNEL (and INITRDs) on the machines given by --mac, without a config file.",
            "Without --mac every PXE client on the interface is answered: use that only on an isolated network."})
final class BootCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "KERNEL", description = "the kernel to boot")
    Path kernel;

    @Parameters(index = "1..*", paramLabel = "INITRD", description = "initrds, loaded in order")
    List<Path> initrds = new ArrayList<>();

    @Option(names = "--cmdline", paramLabel = "ARGS", defaultValue = "", description = "kernel command line")
    String cmdline;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "proxy",
            description = "proxy (another DHCP server gives addresses) or dhcp (we do); default ${DEFAULT-VALUE}")
    DhcpSection.Mode mode;

    @Option(names = {"-i", "--interface"}, required = true, paramLabel = "IF",
            description = "the boot network interface (its address is advertised; its subnet is the DHCP range)")
    String interfaceName;

    @Option(names = "--mac", paramLabel = "MAC", description = "a machine to boot (repeatable); none = every client")
    List<MacAddress> macs = new ArrayList<>();

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port, default ${DEFAULT-VALUE}")
    int httpPort;

    @Option(names = "--tftp-root", defaultValue = "/usr/lib/ipxe",
            description = "directory with the iPXE builds, default ${DEFAULT-VALUE}")
    Path tftpRoot;

    @Option(names = "--data-dir", defaultValue = "/var/lib/pxe-runtime",
            description = "where DHCP leases are kept, default ${DEFAULT-VALUE}")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        for (Path p : concat()) {
            if (!Files.isReadable(p)) {
                System.err.println("pxe-runtime: cannot read " + p);
                return 2;
            }
        }
        QuickBoot quick = new QuickBoot(kernel, initrds, cmdline, mode, interfaceName, macs, httpPort, tftpRoot,
                dataDir);
        return RunUntilStopped.run(PxeRuntime.forQuickBoot(quick));
    }

    private List<Path> concat() {
        List<Path> all = new ArrayList<>(initrds);
        all.add(0, kernel);
        return all;
    }
}
