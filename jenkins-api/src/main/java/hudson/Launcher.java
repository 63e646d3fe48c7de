package hudson;

public abstract class Launcher {
    protected Launcher(Launcher launcher) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
