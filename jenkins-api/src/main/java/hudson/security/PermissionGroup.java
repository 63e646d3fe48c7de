package hudson.security;

import java.util.Iterator;

/** Shape only: declared so that the stand-ins above it have their Jenkins supertypes or parameter types. */

public final class PermissionGroup implements Iterable<Permission>, Comparable<PermissionGroup> {
    // Jenkins' constructors take a Localizable (localizer library, not available here): none is offered.
    private PermissionGroup() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public Iterator<Permission> iterator() { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public int compareTo(PermissionGroup that) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
