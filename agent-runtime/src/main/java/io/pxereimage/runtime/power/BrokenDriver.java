package io.pxereimage.runtime.power;

/** A driver that could not be built (a Redfish TLS policy it cannot use): every command fails with why. */
public final class BrokenDriver implements PowerDriver {
    private final PowerException why;

    public BrokenDriver(PowerException why) {
        this.why = why;
    }

    private PowerException fail() {
        return new PowerException(why.kind(), why.getMessage().substring(why.kind().name().length() + 2), why);
    }

    @Override
    public State status() throws PowerException {
        throw fail();
    }

    @Override
    public void on() throws PowerException {
        throw fail();
    }

    @Override
    public void off() throws PowerException {
        throw fail();
    }

    @Override
    public void cycle() throws PowerException {
        throw fail();
    }

    @Override
    public void bootPxeOnce() throws PowerException {
        throw fail();
    }
}
