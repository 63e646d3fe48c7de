package hudson.model;

import hudson.model.labels.LabelAtom;
import hudson.slaves.Cloud;
import java.util.Collection;
import java.util.Set;
import jenkins.model.ModelObjectWithChildren;

public abstract class Label extends Actionable implements Comparable<Label>, ModelObjectWithChildren {
    protected Label(String name) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final String getName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String getDisplayName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public abstract String getExpression();

    public final boolean matches(Collection<LabelAtom> labels) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final boolean matches(Node n) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isSelfLabel() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Set<Node> getNodes() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean contains(Node node) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Set<Cloud> getClouds() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public boolean isEmpty() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public final int compareTo(Label that) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Label get(String l) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Set<LabelAtom> parse(String labels) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Label parseExpression(String labelExpression) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
