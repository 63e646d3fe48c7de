package hudson.model;

import java.io.PrintStream;
import java.io.PrintWriter;
import org.jenkinsci.remoting.SerializableOnlyOverRemoting;

public interface TaskListener extends SerializableOnlyOverRemoting {
    PrintStream getLogger();

    default PrintWriter error(String msg) { throw new UnsupportedOperationException("compile-only stand-in"); }

    default PrintWriter error(String format, Object... args) { throw new UnsupportedOperationException("compile-only stand-in"); }

    default PrintWriter fatalError(String msg) { throw new UnsupportedOperationException("compile-only stand-in"); }

    default PrintWriter fatalError(String format, Object... args) { throw new UnsupportedOperationException("compile-only stand-in"); }

    TaskListener NULL = null;
}
