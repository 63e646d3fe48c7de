package io.pxereimage.agent;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One line per step, to stderr and to stdout (which is /dev/console in the boot environment). Plain ASCII-friendly
 * text, flushed at once: the console is what an operator sees when the network is the problem.
 */
public final class Log {
    private static volatile PrintStream out = System.out;
    private static volatile PrintStream err = System.err;

    private Log() {
    }

    public static void info(String message) {
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " pxe-agent: " + message;
        synchronized (Log.class) {
            err.println(line);
            err.flush();
            if (out != err) {
                out.println(line);
                out.flush();
            }
        }
    }

    /** Tests and the bench silence the duplicate stdout copy. */
    static void stdout(PrintStream stream) {
        out = stream;
    }
}
