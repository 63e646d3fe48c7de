package hudson;

import java.io.IOException;

public class AbortException extends IOException {
    public AbortException() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public AbortException(String message) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
