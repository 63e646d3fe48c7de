package io.pxereimage.runtime.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.runtime.boot.BootSpec;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.net.MacAddress;

/**
 * {@code /api/v1/machines}: list, read, create-or-replace and delete boot plans in a {@link MachineRegistry}.
 * Transport-free (arguments are strings and bytes) so it is tested without sockets; routing and auth happen
 * before it is called.
 *
 * <p>Every string that ends up in an iPXE script is checked for control characters, and kernel/initrd locations
 * also for whitespace: a newline or a space there would let an API caller inject script commands.
 */
public final class MachinesResource {
    static final int MAX_NAME = 128;
    static final int MAX_LOCATION = 2048;
    static final int MAX_CMDLINE = 4096;
    static final int MAX_INITRDS = 16;
    private static final Set<String> FIELDS = Set.of("mac", "name", "action", "kernel", "initrds", "cmdline");

    private final MachineRegistry registry;

    public MachinesResource(MachineRegistry registry) {
        this.registry = registry;
    }

    public MachineRegistry registry() {
        return registry;
    }

    public ApiResponse list() {
        return ApiResponse.of(200, registry.list().stream().map(MachineJson::from).toList());
    }

    public ApiResponse get(String macText) {
        MacAddress mac;
        try {
            mac = MacAddress.parse(macText);
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, "mac: " + e.getMessage());
        }
        return registry.get(mac)
                .map(p -> ApiResponse.of(200, MachineJson.from(p)))
                .orElseGet(() -> ApiResponse.error(404, "mac: no machine " + mac));
    }

    /** Creates (201) or replaces (200) the plan of {@code macText} from a JSON body. */
    public ApiResponse put(String macText, byte[] body) {
        MacAddress mac;
        try {
            mac = MacAddress.parse(macText);
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, "mac: " + e.getMessage());
        }
        MachinePlan plan;
        try {
            plan = parsePlan(mac, body);
        } catch (Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Optional<MachinePlan> previous = registry.put(plan);
        MachineJson stored = MachineJson.from(plan);
        if (previous.isPresent()) {
            return ApiResponse.of(200, stored);
        }
        return ApiResponse.of(201, stored).withHeader("Location", "/api/v1/machines/" + mac);
    }

    public ApiResponse delete(String macText) {
        MacAddress mac;
        try {
            mac = MacAddress.parse(macText);
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, "mac: " + e.getMessage());
        }
        return registry.remove(mac).isPresent()
                ? ApiResponse.noContent()
                : ApiResponse.error(404, "mac: no machine " + mac);
    }

    /** Thrown with a {@code "field: reason"} message. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static MachinePlan parsePlan(MacAddress mac, byte[] body) throws Invalid {
        if (body == null || body.length == 0) {
            throw new Invalid("body: a JSON object is required");
        }
        JsonNode root;
        try {
            root = ApiResponse.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new Invalid("body: not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("body: must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new Invalid(printable(f) + ": unknown field (known: action, cmdline, initrds, kernel, mac, name)");
            }
        }
        String bodyMac = string(root, "mac", 32);
        if (bodyMac != null) {
            try {
                if (!MacAddress.parse(bodyMac).equals(mac)) {
                    throw new Invalid("mac: " + bodyMac + " does not match the URL's " + mac);
                }
            } catch (IllegalArgumentException e) {
                throw new Invalid("mac: " + e.getMessage());
            }
        }
        String name = string(root, "name", MAX_NAME);
        String actionText = string(root, "action", 16);
        MachinePlan.Action action;
        if (actionText == null) {
            action = MachinePlan.Action.BOOT;
        } else {
            switch (actionText.toLowerCase(Locale.ROOT)) {
                case "boot" -> action = MachinePlan.Action.BOOT;
                case "local" -> action = MachinePlan.Action.LOCAL;
                case "deploy" -> action = MachinePlan.Action.DEPLOY;
                default -> throw new Invalid("action: must be \"boot\", \"local\" or \"deploy\"");
            }
        }
        String kernel = location(root.get("kernel"), "kernel");
        List<String> initrds = initrds(root.get("initrds"));
        String cmdline = string(root, "cmdline", MAX_CMDLINE);
        BootSpec spec = null;
        if (kernel != null) {
            spec = new BootSpec(kernel, initrds, cmdline);
        } else if (action == MachinePlan.Action.BOOT) {
            throw new Invalid("kernel: required for action \"boot\"");
        } else if (!initrds.isEmpty() || (cmdline != null && !cmdline.isBlank())) {
            throw new Invalid("kernel: required when initrds or cmdline are given");
        }
        return new MachinePlan(mac, name, action, spec);
    }

    private static List<String> initrds(JsonNode node) throws Invalid {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new Invalid("initrds: must be an array of strings");
        }
        if (node.size() > MAX_INITRDS) {
            throw new Invalid("initrds: at most " + MAX_INITRDS + " entries");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String v = location(node.get(i), "initrds[" + i + "]");
            if (v == null) {
                throw new Invalid("initrds[" + i + "]: must be a non-empty string");
            }
            out.add(v);
        }
        return out;
    }

    /** A kernel/initrd location: a URL or a path under /files, no whitespace or control characters. */
    private static String location(JsonNode node, String field) throws Invalid {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Invalid(field + ": must be a string");
        }
        String v = node.asText().strip();
        if (v.isEmpty()) {
            return null;
        }
        if (v.length() > MAX_LOCATION) {
            throw new Invalid(field + ": longer than " + MAX_LOCATION + " characters");
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isWhitespace(v.charAt(i)) || Character.isISOControl(v.charAt(i))) {
                throw new Invalid(field + ": must not contain spaces or control characters");
            }
        }
        return v;
    }

    private static String string(JsonNode root, String field, int max) throws Invalid {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Invalid(field + ": must be a string");
        }
        String v = node.asText();
        if (v.length() > max) {
            throw new Invalid(field + ": longer than " + max + " characters");
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                throw new Invalid(field + ": must not contain control characters");
            }
        }
        return v;
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
