package io.pxereimage.runtime.power;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** No BMC: tells a human what to do. */
public final class ManualDriver implements PowerDriver {
    private static final Logger LOG = LoggerFactory.getLogger(ManualDriver.class);
    private final String machine;
    private final Consumer<String> out;

    public ManualDriver(String machine, Consumer<String> out) {
        this.machine = machine;
        this.out = out;
    }

    public ManualDriver(String machine) {
        this(machine, LOG::warn);
    }

    private void tell(String what) {
        out.accept("MANUAL: " + what);
    }

    @Override
    public State status() {
        return State.UNKNOWN;
    }

    @Override
    public void on() {
        tell("power on " + machine);
    }

    @Override
    public void off() {
        tell("power off " + machine);
    }

    @Override
    public void cycle() {
        tell("power cycle (off, then on) " + machine);
    }

    @Override
    public void bootPxeOnce() {
        tell("make " + machine + " boot from network (PXE) on its next boot");
    }
}
