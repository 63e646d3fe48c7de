package io.pxereimage.runtime.api;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.pool.Lease;
import io.pxereimage.runtime.pool.LeaseState;
import io.pxereimage.runtime.pool.MachineState;
import io.pxereimage.runtime.pool.MachineStatus;
import io.pxereimage.runtime.pool.PoolApi;
import io.pxereimage.runtime.pool.PoolEvent;
import io.pxereimage.runtime.pool.PoolStore;

/**
 * The pool under {@code /api/v1}: leases, machines, stored and live events, and the booted OS's ready call.
 * Transport-free like {@link DeployResource}; a translation of HTTP to {@link PoolApi} calls.
 *
 * <p>Every {@link PoolApi} call may wait for the store (a database transaction), so each runs on {@code worker},
 * never on a network thread, and the answer is a future. Failures map to statuses in one place ({@link #call}):
 * bad input ({@link IllegalArgumentException}) 400, a transition the state table refuses
 * ({@link IllegalStateException}) 409, a client over its cap 429, the store unreachable 503.
 */
public final class LeaseResource {
    /** Most stored events one {@code GET /pool/events} returns; the client pages on with {@code after}. */
    private static final Logger LOG = LoggerFactory.getLogger(LeaseResource.class);
    public static final int MAX_EVENTS = 10_000;
    static final int DEFAULT_EVENTS = 1_000;
    static final long POWER_WAIT_SECONDS = 60;

    /** Strict: a misspelt field ({@code lables}) is refused instead of silently ignored. */
    private static final ObjectReader LEASE_REQUEST = Json.MAPPER.readerFor(PoolApi.LeaseRequest.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectReader QUARANTINE = Json.MAPPER.readerFor(QuarantineRequest.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String STATES = Arrays.stream(LeaseState.values()).map(LeaseState::wireName)
            .collect(Collectors.joining(", "));

    private final PoolApi pool;
    private final Executor worker;

    /** The body of {@code POST /pool/{name}/quarantine}. */
    public record QuarantineRequest(String reason) {
    }

    /** @param worker runs the pool calls (they may block on the store) */
    public LeaseResource(PoolApi pool, Executor worker) {
        this.pool = Objects.requireNonNull(pool);
        this.worker = Objects.requireNonNull(worker);
    }

    /** {@code POST /leases}: 201 with the lease (granted, pending or already failed: see its state). */
    public CompletableFuture<ApiResponse> create(byte[] body) {
        return call(() -> {
            PoolApi.LeaseRequest req = parse(LEASE_REQUEST, body);
            if (req.client() == null || req.client().isBlank()) {
                throw new IllegalArgumentException("client: required");
            }
            Lease l = pool.lease(req);
            return ApiResponse.of(201, json(l)).withHeader("Location", "/api/v1/leases/" + l.id());
        });
    }

    /** {@code GET /leases?client=&state=}: newest first. */
    public CompletableFuture<ApiResponse> list(String client, String state) {
        return call(() -> {
            LeaseState s = state == null || state.isEmpty() ? null : leaseState(state);
            List<Lease> leases = pool.leases(client == null || client.isEmpty() ? null : client, s);
            Map<String, MachineState> states = leases.stream().anyMatch(l -> l.machine() != null)
                    ? machineStates() : Map.of();
            return ApiResponse.of(200, leases.stream()
                    .map(l -> LeaseJson.from(l, l.machine() == null ? null : states.get(l.machine())))
                    .toList());
        });
    }

    public CompletableFuture<ApiResponse> get(String id) {
        return call(() -> pool.lease(id).map(l -> ApiResponse.of(200, json(l))).orElseGet(() -> noLease(id)));
    }

    /** {@code POST /leases/{id}/heartbeat}: 200 renewed; 409 with the lease when it has ended. */
    public CompletableFuture<ApiResponse> heartbeat(String id) {
        return call(() -> pool.heartbeat(id)
                .map(l -> ApiResponse.of(l.state().ended() ? 409 : 200, json(l)))
                .orElseGet(() -> noLease(id)));
    }

    /** {@code DELETE /leases/{id}}: 202, also when it had ended already (releasing twice is harmless). */
    public CompletableFuture<ApiResponse> release(String id) {
        return call(() -> pool.release(id).map(l -> ApiResponse.of(202, json(l))).orElseGet(() -> noLease(id)));
    }

    /** {@code GET /pool}. */
    public CompletableFuture<ApiResponse> machines() {
        return call(() -> ApiResponse.of(200, pool.machines().stream().map(PoolMachineJson::from).toList()));
    }

    /** {@code GET /sites}: the sites sharing the store, their heartbeats and liveness. */
    public CompletableFuture<ApiResponse> sites() {
        return call(() -> ApiResponse.of(200, pool.sites().stream().map(SiteJson::from).toList()));
    }

    /** {@code GET /pool/{name}}. */
    public CompletableFuture<ApiResponse> machine(String name) {
        return call(() -> pool.machines().stream().filter(m -> m.name().equals(name)).findFirst()
                .map(m -> ApiResponse.of(200, PoolMachineJson.from(m))).orElseGet(() -> noMachine(name)));
    }

    /** {@code POST /pool/{name}/clear}: 409 when the machine is in a state that cannot be cleared. */
    public CompletableFuture<ApiResponse> clear(String name) {
        return call(() -> machineAnswer(name, pool.clear(name)));
    }

    /** Admin action {@code release}: ends the lease that holds {@code name}; 409 when none does. */
    public CompletableFuture<ApiResponse> releaseMachine(String name) {
        return call(() -> {
            Optional<MachineStatus> m = pool.machines().stream().filter(s -> s.name().equals(name)).findFirst();
            if (m.isEmpty()) {
                return noMachine(name);
            }
            if (m.get().lease() == null) {
                throw new IllegalStateException("machine: " + name + " is " + m.get().state().wireName()
                        + " and no lease holds it: nothing to release");
            }
            return pool.release(m.get().lease()).map(l -> ApiResponse.of(202, json(l)))
                    .orElseGet(() -> noLease(m.get().lease()));
        });
    }

    /**
     * Admin action {@code power-cycle}: answers when the BMC has done it (200 with the machine), 502 when it
     * failed, 409 while another power command runs; after {@value #POWER_WAIT_SECONDS} s 202 (still under way,
     * its outcome becomes a pool event).
     */
    public CompletableFuture<ApiResponse> powerCycle(String name) {
        CompletableFuture<Optional<MachineStatus>> f;
        try {
            f = pool.powerCycle(name);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(e));
        }
        return f.handle((m, t) -> t != null ? failure(t) : machineAnswer(name, m))
                .completeOnTimeout(ApiResponse.error(202, "power-cycle: the BMC has not answered yet; its outcome will"
                        + " be in the machine's events"), POWER_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The pool's default image, or {@code null}. */
    public String defaultImage() {
        return pool.defaultImage();
    }

    /** {@code POST /pool/{name}/quarantine} with {@code {"reason": "..."}}: 409 when a lease holds it. */
    public CompletableFuture<ApiResponse> quarantine(String name, byte[] body) {
        return call(() -> {
            QuarantineRequest req = parse(QUARANTINE, body);
            if (req.reason() == null || req.reason().isBlank()) {
                throw new IllegalArgumentException("reason: required");
            }
            return machineAnswer(name, pool.quarantine(name, req.reason()));
        });
    }

    /**
     * {@code POST /agent/ready?token=}: the booted OS is up. The token is the credential; it is never logged or
     * echoed. 204, or 404 for an unknown (or missing) token.
     */
    public CompletableFuture<ApiResponse> ready(String token) {
        if (token == null || token.isEmpty()) {
            return CompletableFuture.completedFuture(ApiResponse.error(404, "token: unknown"));
        }
        return call(() -> pool.ready(token) ? ApiResponse.noContent() : ApiResponse.error(404, "token: unknown"));
    }

    /** {@code GET /pool/events?after=&machine=&lease=&limit=}: stored events, oldest first. */
    public CompletableFuture<ApiResponse> events(String after, String machine, String lease, String limit) {
        return call(() -> {
            long a = afterSeq(after);
            int n = limit == null || limit.isEmpty() ? DEFAULT_EVENTS : number("limit", limit, 1, MAX_EVENTS);
            return ApiResponse.of(200, pool.events(a, blankToNull(machine), blankToNull(lease), n));
        });
    }

    /**
     * Starts a live subscription (an SSE stream) on the worker: {@code sink} gets every event after
     * {@code afterSeq} that matches the filters ({@code null}: any), in order, from a runtime thread.
     */
    public CompletableFuture<AutoCloseable> subscribe(long afterSeq, String machine, String lease,
            Consumer<PoolEvent> sink) {
        String m = blankToNull(machine);
        String l = blankToNull(lease);
        Consumer<PoolEvent> filtered = e -> {
            if ((m == null || m.equals(e.machine())) && (l == null || l.equals(e.lease()))) {
                sink.accept(e);
            }
        };
        try {
            return CompletableFuture.supplyAsync(() -> pool.subscribe(afterSeq, filtered), worker);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new PoolApi.PoolUnavailable("the runtime is stopping", e));
        }
    }

    /** One event as a Server-Sent Events frame: {@code id}, {@code event} (the new state, else the cause), JSON. */
    public static String sseFrame(PoolEvent e) {
        String name = e.to() != null ? e.to() : e.cause() != null ? e.cause() : "event";
        try {
            // Compact JSON escapes newlines inside strings: the data is always one line.
            return "id: " + e.seq() + "\nevent: " + name.replaceAll("[\\r\\n]", " ") + "\ndata: "
                    + ApiResponse.MAPPER.writeValueAsString(e) + "\n\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot serialise a pool event", ex);
        }
    }

    /**
     * The sequence number a stream or listing starts after: {@code Last-Event-ID} or {@code ?after=}; 0 (the
     * whole stored history) when absent.
     *
     * @throws IllegalArgumentException {@code after: ...} for anything but a non-negative number
     */
    public static long afterSeq(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            long v = Long.parseLong(text.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("after: must be an event sequence number (0 or more)");
    }

    /** The status a failed subscription maps to, like {@link #call} does for the other calls. */
    public static ApiResponse failure(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof PoolApi.PoolUnavailable u) {
            return ApiResponse.error(503, "pool: unavailable (" + u.getMessage() + "); try again later");
        }
        if (c instanceof IllegalArgumentException) {
            return ApiResponse.error(400, c.getMessage());
        }
        if (c instanceof IllegalStateException) {
            return ApiResponse.error(409, c.getMessage());
        }
        if (c instanceof PoolApi.PowerFailed) {
            return ApiResponse.error(502, c.getMessage());
        }
        if (c instanceof PoolStore.CapExceeded) {
            return ApiResponse.error(429, "client: " + c.getMessage());
        }
        return ApiResponse.error(500, "internal error");
    }

    /** Ends a subscription on the worker (closing it may touch the store); inline when the worker has stopped. */
    public void unsubscribe(AutoCloseable subscription) {
        Runnable close = () -> {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.warn("closing a pool event subscription failed: {}", e.toString());
            }
        };
        try {
            worker.execute(close);
        } catch (RejectedExecutionException e) {
            close.run();
        }
    }

    private CompletableFuture<ApiResponse> call(Callable<ApiResponse> c) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return c.call();
                } catch (PoolApi.PoolUnavailable | IllegalArgumentException | IllegalStateException
                        | PoolStore.CapExceeded e) {
                    return failure(e);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, worker);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ApiResponse.error(503, "pool: the runtime is stopping"));
        }
    }

    private LeaseJson json(Lease l) {
        MachineState state = l.machine() == null ? null : machineStates().get(l.machine());
        return LeaseJson.from(l, state);
    }

    private Map<String, MachineState> machineStates() {
        return pool.machines().stream().collect(Collectors.toMap(MachineStatus::name, MachineStatus::state,
                (a, b) -> a));
    }

    private static ApiResponse machineAnswer(String name, Optional<MachineStatus> m) {
        return m.map(s -> ApiResponse.of(200, PoolMachineJson.from(s))).orElseGet(() -> noMachine(name));
    }

    private static LeaseState leaseState(String s) {
        try {
            return LeaseState.fromWire(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("state: must be one of " + STATES);
        }
    }

    /** A query parameter as a number in [min, max], else IllegalArgumentException with the field's rule. */
    public static int number(String field, String text, int min, int max) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(field + ": must be a number from " + min + " to " + max);
    }

    private static <T> T parse(ObjectReader reader, byte[] body) {
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("body: a JSON object is required");
        }
        try {
            T value = reader.readValue(body);
            if (value == null) {
                throw new IllegalArgumentException("body: a JSON object is required");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(AgentResource.printable(e.getPropertyName()) + ": unknown field");
        } catch (JsonMappingException e) {
            List<JsonMappingException.Reference> path = e.getPath();
            if (!path.isEmpty() && path.get(0).getFieldName() != null) {
                throw new IllegalArgumentException(AgentResource.printable(path.get(0).getFieldName())
                        + ": wrong type");
            }
            throw new IllegalArgumentException("body: a JSON object is required");
        } catch (IOException e) {
            throw new IllegalArgumentException("body: not valid JSON");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static ApiResponse noLease(String id) {
        return ApiResponse.error(404, "lease: no lease " + AgentResource.printable(id));
    }

    private static ApiResponse noMachine(String name) {
        return ApiResponse.error(404, "machine: no pool machine " + AgentResource.printable(name));
    }
}
