package hudson.util;

import hudson.model.ModelObject;
import java.util.ArrayList;
import java.util.Collection;

// Jenkins' ListBoxModel also implements Stapler's HttpResponse, whose Jenkins 2.479.3 (Stapler 1903.x, jakarta)
// method differs from the javax one of the Stapler 1.263 jar available here; left out.
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
