package hudson.util;

import hudson.model.Saveable;
import java.util.AbstractList;
import java.util.List;

public class PersistedList<T> extends AbstractList<T> {
    public PersistedList(Saveable owner) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public T get(int index) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public <U extends T> U get(Class<U> type) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public <U extends T> List<U> getAll(Class<U> type) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public int size() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
