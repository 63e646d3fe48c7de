package io.pxereimage.runtime.api;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.pxereimage.runtime.boot.MachineRegistry;
import io.pxereimage.runtime.device.Json;

/**
 * {@code POST /api/v1/actions}: the dashboard's admin actions, each confirmed by typing the machine's name.
 * {@code {"action": "reimage"|"release"|"power-cycle"|"clear-quarantine", "machine": "m1", "confirm": "m1",
 * "image": "demo"}}. A {@code confirm} that is missing or differs from {@code machine} answers 428 before anything
 * is looked at or done. Each action goes through the code path of its own endpoint: reimage as
 * {@code POST /machines/{m}/reimage}, release as {@code DELETE /leases/{id}} of the machine's lease, clear as
 * {@code POST /pool/{m}/clear}; power-cycle asks the pool's BMC path.
 */
public final class ActionsResource {
    public static final List<String> ACTIONS = List.of("reimage", "release", "power-cycle", "clear-quarantine");
    private static final ObjectReader REQUEST = Json.MAPPER.readerFor(Request.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The body. */
    public record Request(String action, String machine, String confirm, String image) {
    }

    /** What the audit log says an action body asked for: read leniently, also from a body that is refused. */
    public record Asked(String action, String machine) {
    }

    private final MachineRegistry registry;
    private final DeployResource deploy;
    private final LeaseResource pool;

    /** {@code deploy} and {@code pool} may be null (a runtime without them): their actions answer 409. */
    public ActionsResource(MachineRegistry registry, DeployResource deploy, LeaseResource pool) {
        this.registry = registry;
        this.deploy = deploy;
        this.pool = pool;
    }

    public CompletableFuture<ApiResponse> act(byte[] body) {
        Request r;
        try {
            r = parse(body);
        } catch (IllegalArgumentException e) {
            return done(ApiResponse.error(400, e.getMessage()));
        }
        if (r.action() == null || !ACTIONS.contains(r.action())) {
            return done(ApiResponse.error(400, "action: must be one of " + String.join(", ", ACTIONS)));
        }
        if (r.machine() == null || r.machine().isBlank()) {
            return done(ApiResponse.error(400, "machine: required"));
        }
        if (r.confirm() == null || !r.confirm().equals(r.machine())) {
            return done(ApiResponse.error(428, "confirm: type the machine's name (" + AgentResource.printable(r.machine())
                    + ") to confirm " + r.action() + "; nothing was done"));
        }
        if (r.image() != null && !r.action().equals("reimage")) {
            return done(ApiResponse.error(400, "image: only for reimage"));
        }
        String m = r.machine();
        return switch (r.action()) {
            case "reimage" -> reimage(m, r.image());
            case "release" -> pool == null ? done(noPool("release")) : pool.releaseMachine(m);
            case "power-cycle" -> pool == null ? done(noPool("power-cycle"))
                    : pool.powerCycle(m).thenApply(a -> notPooled(a, m, "power-cycle"));
            case "clear-quarantine" -> pool == null ? done(noPool("clear-quarantine"))
                    : pool.clear(m).thenApply(a -> notPooled(a, m, "clear-quarantine"));
            default -> throw new IllegalStateException(r.action());
        };
    }

    private CompletableFuture<ApiResponse> reimage(String machine, String image) {
        if (deploy == null) {
            return done(ApiResponse.error(409, "reimage: this runtime does not deploy images (no deploy section)"));
        }
        String name = image != null ? image : pool == null ? null : pool.defaultImage();
        if (name == null) {
            return done(ApiResponse.error(400, "image: required (the runtime has no pool default image)"));
        }
        return done(deploy.reimage(machine, name));
    }

    /** A machine the registry knows but the pool does not: it has no BMC the runtime could use. */
    private ApiResponse notPooled(ApiResponse a, String machine, String action) {
        if (a.status() == 404 && registry.find(machine).isPresent()) {
            return ApiResponse.error(409, action + ": " + AgentResource.printable(machine) + " is not a pool machine"
                    + " (no bmc in the config), so the runtime cannot " + (action.equals("power-cycle")
                    ? "power it" : "clear it"));
        }
        return a;
    }

    private static ApiResponse noPool(String action) {
        return ApiResponse.error(409, action + ": this runtime has no pool (no machine with a bmc)");
    }

    /** For the audit log: the action and machine a body names, or nulls. Never throws. */
    public static Asked asked(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.isObject()) {
                return new Asked(text(n, "action"), text(n, "machine"));
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: nothing to say
        }
        return new Asked(null, null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? AgentResource.printable(v.asText()) : null;
    }

    private static Request parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("body: a JSON object is required");
        }
        try {
            Request r = REQUEST.readValue(body);
            if (r == null) {
                throw new IllegalArgumentException("body: a JSON object is required");
            }
            return r;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(AgentResource.printable(e.getPropertyName()) + ": unknown field");
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            throw new IllegalArgumentException("body: action, machine, confirm and image must be strings");
        } catch (IOException e) {
            throw new IllegalArgumentException("body: not valid JSON");
        }
    }

    private static CompletableFuture<ApiResponse> done(ApiResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
