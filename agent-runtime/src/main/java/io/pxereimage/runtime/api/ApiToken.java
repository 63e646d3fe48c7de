package io.pxereimage.runtime.api;

import java.util.Locale;
import java.util.Objects;

/**
 * One named API token: who presents it ({@code name}, what the audit log records) and what it may do
 * ({@code role}). The secret is never printed: {@link #toString()} redacts it.
 */
public record ApiToken(String name, String secret, Role role) {
    /** The name the single {@code apiToken}/{@code apiTokenFile} of the config gets. */
    public static final String ADMIN_NAME = "admin";

    /** viewer: GET/HEAD only; admin: everything. */
    public enum Role {
        ADMIN, VIEWER;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code admin} or {@code viewer}. */
        public static Role fromWire(String s) {
            if (s != null) {
                for (Role r : values()) {
                    if (r.wireName().equals(s.strip().toLowerCase(Locale.ROOT))) {
                        return r;
                    }
                }
            }
            throw new IllegalArgumentException("role: must be admin or viewer");
        }
    }

    public ApiToken {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(role, "role");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("token " + name + ": empty secret");
        }
    }

    /** The legacy single token: named {@code admin}, role admin. */
    public static ApiToken admin(String secret) {
        return new ApiToken(ADMIN_NAME, secret, Role.ADMIN);
    }

    @Override
    public String toString() {
        return "ApiToken[name=" + name + ", role=" + role.wireName() + ", secret=***]";
    }
}
