package io.pxereimage.runtime.power;

/** Controls the power and the one-time boot device of one machine through its BMC (or a human). */
public interface PowerDriver {
    enum State { ON, OFF, UNKNOWN }

    State status() throws PowerException;

    void on() throws PowerException;

    void off() throws PowerException;

    void cycle() throws PowerException;

    /** Makes the next boot (only) a network boot. */
    void bootPxeOnce() throws PowerException;
}
