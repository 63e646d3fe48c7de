package io.pxereimage.runtime.cli;

import java.io.PrintWriter;

import picocli.CommandLine;

import io.pxereimage.runtime.net.MacAddress;
import picocli.CommandLine.Command;

/**
 * {@code pxe-runtime}: the boot and image runtime. Start reading here: {@link ServeCommand} runs a configured
 * runtime, {@link BootCommand} boots one kernel right away (like pixiecore's quick mode).
 */
@Command(name = "pxe-runtime", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Network-boots and images bare-metal machines: proxyDHCP or DHCP, TFTP, HTTP boot, iPXE.",
        subcommands = {ServeCommand.class, BootCommand.class, ImageCommand.class, ListCommands.Machines.class,
            ListCommands.Jobs.class, ReimageCommand.class, LeaseCommand.class, PoolCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Like {@link #run(String...)}, writing to the given streams (tests capture the CLI's output this way). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .registerConverter(MacAddress.class, MacAddress::parse);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"pxe-runtime " + (v == null ? "development build" : v)};
        }
    }
}
