package io.pxereimage.runtime.tftp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Normalises requested file names before any file system access (pure string work).
 *
 * <p>Windows-style clients (WDS, some UEFI builds) send {@code \}: it is treated as {@code /}. Leading slashes are
 * stripped, so {@code /pxelinux.0} means {@code <root>/pxelinux.0} as with dnsmasq and tftp-hpa {@code -s}.
 * Empty and {@code .} components are dropped. A {@code ..} component, a NUL or control character, or a drive
 * prefix ({@code C:}) makes the name unacceptable (ERROR 2): nothing may address a file outside the root.
 */
public final class TftpPaths {
    private TftpPaths() {
    }

    /** The normalised relative name, or empty when the name must be refused. */
    public static Optional<String> normalize(String requested) {
        String s = requested.replace('\\', '/');
        if (s.length() >= 2 && s.charAt(1) == ':' && Character.isLetter(s.charAt(0))) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (String part : s.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..") || part.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return Optional.empty();
            }
            parts.add(part);
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("/", parts));
    }
}
