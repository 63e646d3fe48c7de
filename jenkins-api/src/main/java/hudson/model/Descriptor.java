package hudson.model;

import jenkins.model.Loadable;
import jenkins.util.io.OnMaster;

public abstract class Descriptor<T extends Describable<T>> implements Loadable, Saveable, OnMaster {
    public final transient Class<? extends T> clazz;

    protected Descriptor(Class<? extends T> clazz) { throw new UnsupportedOperationException("compile-only stand-in"); }

    protected Descriptor() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getId() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Class<T> getT() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getConfigPage() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getGlobalConfigPage() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public synchronized void save() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public synchronized void load() { throw new UnsupportedOperationException("compile-only stand-in"); }

    // Jenkins' FormException also implements Stapler's HttpResponse (jakarta in 2.479.3); left out, as for ListBoxModel.
    public static final class FormException extends Exception {
        public FormException(String message, String formField) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public FormException(String message, Throwable cause, String formField) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public FormException(Throwable cause, String formField) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public String getFormField() { throw new UnsupportedOperationException("compile-only stand-in"); }
    }
}
