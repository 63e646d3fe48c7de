package hudson.model;

import java.io.IOException;

public interface Saveable {
    void save() throws IOException;

    Saveable NOOP = null;
}
