package hudson.util;

import java.io.Serializable;

/**
 * TEST-ONLY runnable {@code Secret} (see the test copy of {@code hudson.slaves.Cloud}): keeps the plain text;
 * Jenkins encrypts it with the controller's key.
 */
public final class Secret implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String value;

    Secret(String value) {
        this.value = value;
    }

    public String getPlainText() {
        return value;
    }

    public static Secret fromString(String data) {
        return new Secret(data == null ? "" : data);
    }

    public static String toString(Secret s) {
        return s == null ? "" : s.value;
    }
}
