package io.pxereimage.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import io.pxereimage.runtime.api.ApiToken;

/**
 * One entry of {@code http.tokens}: {@code {name: alice, file: /etc/pxe-runtime/alice.token, role: viewer}}. The
 * file is read here, so a missing, short or world-readable file fails with the entry's line; the secret never
 * appears in a message or in {@link #toString()}.
 */
public record TokenEntry(String name, String file, String role) {
    static final int MIN_LENGTH = 16;
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    public TokenEntry {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
            throw new IllegalArgumentException("name: required, 1..64 of letters, digits, . _ @ - (it is written"
                    + " into the audit log)");
        }
        if (name.equals("anonymous")) {
            throw new IllegalArgumentException("name: anonymous is what the audit log calls callers without a token");
        }
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("file: required (a file holding the token, mode 0600)");
        }
        ApiToken.Role.fromWire(role == null ? "" : role);
        read(file); // fails here, with the entry's line, rather than at start
    }

    public ApiToken toToken() {
        return new ApiToken(name, read(file), ApiToken.Role.fromWire(role));
    }

    /** The token in {@code file}, stripped; refused when short or readable by group or others. */
    static String read(String file) {
        Path p = Path.of(file);
        String secret;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalArgumentException("file: " + file + " is accessible to group or others; chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not POSIX: nothing to check; unreadable: said below
        }
        try {
            secret = Files.readString(p).strip();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("file: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        if (secret.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("file: " + file + " holds " + secret.length() + " characters, at least "
                    + MIN_LENGTH + " needed (e.g. head -c 32 /dev/urandom | base64 > FILE)");
        }
        return secret;
    }

    @Override
    public String toString() {
        return "TokenEntry[name=" + name + ", file=" + file + ", role=" + role + "]";
    }
}
