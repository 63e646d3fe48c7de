package io.pxereimage.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One line per step, to stderr and to stdout (which is /dev/console in the boot environment). Plain ASCII-friendly
 * text, flushed at once: the console is what an operator sees when the network is the problem. When stdout and
 * stderr are the same file (the deploy environment's /init gives java the console as both), each line is printed
 * once: twice on the serial console only doubled every log there.
 */
public final class Log {
    private static volatile PrintStream out = sameFile(Path.of("/proc/self/fd/1"), Path.of("/proc/self/fd/2"))
            ? System.err : System.out;
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

    /** True when both paths resolve to the same file (false when either cannot be checked, e.g. no /proc). */
    static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Tests and the bench silence the duplicate stdout copy. */
    static void stdout(PrintStream stream) {
        out = stream;
    }
}
