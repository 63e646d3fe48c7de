package io.pxereimage.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code key=value} words of {@code /proc/cmdline}; a bare word maps to the empty string. */
final class KernelCmdline {
    private final Map<String, String> values;

    KernelCmdline(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            int eq = word.indexOf('=');
            if (eq < 0) {
                m.put(word, "");
            } else {
                m.put(word.substring(0, eq), unquote(word.substring(eq + 1)));
            }
        }
        this.values = m;
    }

    static KernelCmdline read(Path file) throws IOException {
        return new KernelCmdline(Files.readString(file, StandardCharsets.UTF_8));
    }

    String get(String key) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * {@code pxe.mac}, else the pxelinux-style {@code BOOTIF=01-aa-bb-cc-dd-ee-ff}, normalized to lower-case colons;
     * null if neither is given.
     */
    String mac() {
        String mac = get("pxe.mac");
        if (mac == null) {
            String bootif = get("BOOTIF");
            if (bootif != null && bootif.length() == 20 && bootif.startsWith("01-")) {
                mac = bootif.substring(3);
            }
        }
        return mac == null ? null : mac.replace('-', ':').toLowerCase(Locale.ROOT);
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
