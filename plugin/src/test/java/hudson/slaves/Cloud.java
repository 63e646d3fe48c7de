package hudson.slaves;

/**
 * TEST-ONLY runnable supertype. The compile-only stand-in's constructor throws, so no cloud could be created
 * outside Jenkins; this class shadows it on the test class path (test classes come before dependencies) with a
 * constructor that, as Jenkins' does, refuses an empty name and keeps it. It exists for {@code JcascExampleTest}, which creates
 * {@code PxeCloud}s through their {@code @DataBoundConstructor}, as Configuration as Code does. It has only what
 * that path touches; nothing else here runs.
 */
public abstract class Cloud {
    public String name;

    protected Cloud(String name) {
        if (name == null || name.isEmpty()) { // as Jenkins' constructor: a cloud needs a name
            throw new IllegalArgumentException("Name is required");
        }
        this.name = name;
    }
}
