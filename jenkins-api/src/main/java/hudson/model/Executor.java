package hudson.model;

public class Executor extends Thread implements ModelObject {
    public Executor(Computer owner, int n) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Computer getOwner() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Queue.Executable getCurrentExecutable() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
