package io.pxereimage.runtime.concurrent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;

/**
 * The last {@code capacity} items added, oldest first, safe to share between threads: the in-memory side of the
 * event log, the audit log and the boot activity, which the API lists.
 */
public final class Recent<T> {
    private final int capacity;
    private final Deque<T> items = new ArrayDeque<>();

    public Recent(int capacity) {
        this.capacity = capacity;
    }

    public synchronized void add(T item) {
        items.addLast(item);
        while (items.size() > capacity) {
            items.removeFirst();
        }
    }

    public synchronized void addAll(Collection<? extends T> more) {
        more.forEach(this::add);
    }

    /** The newest {@code limit} items, newest last. */
    public synchronized List<T> newest(int limit) {
        List<T> all = new ArrayList<>(items);
        return all.subList(Math.max(0, all.size() - limit), all.size());
    }

    /** Every item kept, oldest first. */
    public synchronized List<T> all() {
        return new ArrayList<>(items);
    }
}
