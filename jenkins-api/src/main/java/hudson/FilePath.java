package hudson;

import java.io.File;
import org.jenkinsci.remoting.SerializableOnlyOverRemoting;

public final class FilePath implements SerializableOnlyOverRemoting {
    public FilePath(File localPath) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public FilePath(FilePath base, String rel) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getRemote() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getName() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public FilePath child(String relOrAbsolute) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
