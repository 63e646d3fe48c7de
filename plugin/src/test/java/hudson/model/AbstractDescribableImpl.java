package hudson.model;

/** TEST-ONLY runnable supertype (see the test copy of {@code hudson.slaves.Cloud}): a no-op constructor. */
public abstract class AbstractDescribableImpl<T extends AbstractDescribableImpl<T>> {
}
