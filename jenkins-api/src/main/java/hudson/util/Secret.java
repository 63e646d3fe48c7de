package hudson.util;

import java.io.Serializable;

public final class Secret implements Serializable {
    Secret(String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getPlainText() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String getEncryptedValue() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Secret decrypt(String data) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Secret fromString(String data) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static String toString(Secret s) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
