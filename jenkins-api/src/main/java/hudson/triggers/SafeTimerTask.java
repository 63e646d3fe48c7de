package hudson.triggers;

import java.util.TimerTask;

public abstract class SafeTimerTask extends TimerTask {
    @Override
    public final void run() { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected abstract void doRun() throws Exception;
}
