package hudson.model;

import jenkins.model.Jenkins;

/** Shape only: the declared type of {@link Jenkins#clouds}. */
public class Hudson extends Jenkins {
    // Jenkins' constructors take a ServletContext, not available here: none is offered.
    private Hudson() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static class CloudList extends Jenkins.CloudList {
        public CloudList(Jenkins h) {
            super(h);
            throw new UnsupportedOperationException("compile-only stand-in");
        }
    }
}
