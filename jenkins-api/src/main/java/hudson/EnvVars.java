package hudson;

import java.util.Map;
import java.util.TreeMap;

public class EnvVars extends TreeMap<String, String> {
    public EnvVars() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public EnvVars(Map<String, String> m) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public EnvVars(EnvVars m) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public EnvVars(String... keyValuePairs) { throw new UnsupportedOperationException("compile-only stand-in"); }

    @Override
    public String put(String key, String value) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public String expand(String s) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
