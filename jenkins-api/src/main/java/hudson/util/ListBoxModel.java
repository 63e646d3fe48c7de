package hudson.util;

import hudson.model.ModelObject;
import java.util.ArrayList;
import java.util.Collection;

public class ListBoxModel extends ArrayList<ListBoxModel.Option> {
    public static final class Option {
        public String name;

        public String value;

        public boolean selected;

        public Option(String name, String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public Option(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

        public Option(String name, String value, boolean selected) { throw new UnsupportedOperationException("compile-only stand-in"); }
    }

    public ListBoxModel(int initialCapacity) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ListBoxModel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ListBoxModel(Collection<Option> c) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ListBoxModel(Option... data) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void add(String displayName, String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public void add(ModelObject usedForDisplayName, String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public ListBoxModel add(String nameAndValue) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
