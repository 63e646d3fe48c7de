package hudson.util;

import java.io.IOException;
import org.kohsuke.stapler.HttpResponse;

public abstract class FormValidation extends IOException implements HttpResponse {
    private FormValidation(Kind kind) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public enum Kind {
        OK, WARNING, ERROR
    }

    public static FormValidation error(String message) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation warning(String message) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation ok(String message) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation ok() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation error(String format, Object... args) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation warning(String format, Object... args) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation ok(String format, Object... args) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation error(Throwable e, String message) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation warning(Throwable e, String message) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation validateNonNegativeInteger(String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation validateIntegerInRange(String value, int lower, int upper) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation validatePositiveInteger(String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static FormValidation validateRequired(String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public final Kind kind;

    public abstract String renderHtml();
}
