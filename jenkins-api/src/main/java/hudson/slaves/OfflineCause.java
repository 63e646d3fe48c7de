package hudson.slaves;

import java.util.Date;

public abstract class OfflineCause {
    public final Date getTime() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static class ChannelTermination extends OfflineCause {
        public final Exception cause;

        public ChannelTermination(Exception cause) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public String getShortDescription() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
