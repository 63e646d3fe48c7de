package jenkins;

public enum YesNoMaybe {
    YES, NO, MAYBE;

    public static Boolean toBoolean(YesNoMaybe v) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public Boolean toBool() { throw new UnsupportedOperationException("compile-only stand-in"); }
}
