package hudson;

import java.util.AbstractList;
import jenkins.model.Jenkins;
import jenkins.util.io.OnMaster;

public class ExtensionList<T> extends AbstractList<T> implements OnMaster {
    protected ExtensionList(Jenkins jenkins, Class<T> extensionType) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public <U extends T> U get(Class<U> type) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public T get(int index) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public int size() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static <T> ExtensionList<T> lookup(Class<T> type) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static <U> U lookupSingleton(Class<U> type) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
