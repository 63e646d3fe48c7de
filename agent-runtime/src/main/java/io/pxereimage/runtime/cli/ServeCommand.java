package io.pxereimage.runtime.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.pxereimage.runtime.PxeRuntime;
import io.pxereimage.runtime.config.ConfigException;
import io.pxereimage.runtime.config.ConfigLoader;
import io.pxereimage.runtime.config.RuntimeConfig;

/** {@code pxe-runtime serve --config FILE}: runs the runtime described by a YAML file until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the runtime from a YAML config file until interrupted (see docs/configuration.md).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML config file")
    Path config;

    @Option(names = "--check", description = "validate the config file and exit")
    boolean check;

    @Override
    public Integer call() throws Exception {
        RuntimeConfig parsed;
        try {
            parsed = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("pxe-runtime: bad config: " + e.getMessage());
            return 2;
        }
        if (check) {
            System.out.println(config + ": OK (" + parsed.machines().size() + " machines, dhcp mode "
                    + parsed.dhcp().mode() + ")");
            return 0;
        }
        return RunUntilStopped.run(PxeRuntime.fromConfig(parsed, config.toString()));
    }
}
