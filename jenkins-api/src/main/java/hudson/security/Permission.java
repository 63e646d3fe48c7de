package hudson.security;

public final class Permission {
    @Deprecated
    public Permission(PermissionGroup group, String name, Permission impliedBy) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public final Class owner;

    public final PermissionGroup group;

    public final String name;

    public final Permission impliedBy;

    public boolean enabled;

    public String getId() { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static Permission fromId(String id) { throw new UnsupportedOperationException("compile-only stand-in"); }

    public static final Permission HUDSON_ADMINISTER = null;

    public static final Permission READ = null;

    public static final Permission WRITE = null;

    public static final Permission CREATE = null;

    public static final Permission UPDATE = null;

    public static final Permission DELETE = null;

    public static final Permission CONFIGURE = null;
}
