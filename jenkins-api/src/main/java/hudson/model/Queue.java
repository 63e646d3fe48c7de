package hudson.model;

import hudson.model.queue.SubTask;
import jenkins.console.WithConsoleUrl;

public class Queue extends ResourceController implements Saveable {
    public Queue(LoadBalancer loadBalancer) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public void save() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public interface Task extends ModelObject, SubTask {
    }

    public interface Executable extends Runnable, WithConsoleUrl {
    }
}
