package io.pxereimage.runtime.pool;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the REST API and the CLI can do with the pool. Implemented by {@link PoolController}; the API layer is a
 * translation of HTTP to these calls. Store failures surface as {@link PoolUnavailable} (HTTP 503), bad input as
 * {@link IllegalArgumentException} with a {@code field: reason} message (HTTP 400).
 */
public interface PoolApi {
    /**
     * The body of {@code POST /api/v1/leases}.
     *
     * @param labels a label expression ({@code metal && x86}); empty matches any machine
     * @param image the image to deploy (catalog name); {@code null} for the pool's default image
     * @param hostname first-boot host name ({@code null}: the machine's name)
     * @param data first-boot data; values may be secrets and are never logged
     * @param client who asks: caps count per client
     * @param waitForMachine JSON {@code wait}: wait for a free machine ({@code true}, the default) or fail at once
     * @param timeoutSeconds fail unless ready within this time ({@code null}: the pool's default)
     * @param heartbeatSeconds expire unless renewed within this time ({@code null}: the pool's default)
     */
    record LeaseRequest(String labels, String image, String hostname, Map<String, String> data, String client,
            @JsonProperty("wait") Boolean waitForMachine, Integer timeoutSeconds, Integer heartbeatSeconds) {
        @Override
        public String toString() {
            return "LeaseRequest[labels=" + labels + ", image=" + image + ", hostname=" + hostname + ", keys="
                    + (data == null ? "[]" : data.keySet()) + ", client=" + client + ", wait=" + waitForMachine + "]";
        }
    }

    /** The store cannot be reached or failed: try again later. */
    final class PoolUnavailable extends RuntimeException {
        public PoolUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Creates a lease; it is granted a machine at once, waits, or has failed already (see its state). */
    Lease lease(LeaseRequest request) throws PoolStore.CapExceeded;

    Optional<Lease> lease(String id);

    /** Newest first; {@code client} and {@code state} filter when not null. */
    List<Lease> leases(String client, LeaseState state);

    /** Renews a lease; empty if there is no such lease. An ended lease is returned unchanged. */
    Optional<Lease> heartbeat(String id);

    /** Ends a lease ({@code released}); its machine is cleaned, then available. Empty if there is no such lease. */
    Optional<Lease> release(String id);

    List<MachineStatus> machines();

    /** The sites sharing the store (docs/sites.md); a runtime with its own store knows only itself. */
    default List<SiteStatus> sites() {
        return List.of();
    }

    /** Admin: a {@code quarantined} or {@code failed} machine is cleaned and returns to the pool. */
    Optional<MachineStatus> clear(String machine);

    /** Admin: takes a machine that no lease holds out of the pool until {@link #clear}. */
    Optional<MachineStatus> quarantine(String machine, String why);

    /**
     * Admin: power-cycles a machine through its BMC (on when it is off), whatever its state; its state does not
     * change. Completes with the machine when the BMC has done it; fails with {@link IllegalStateException} (409)
     * when a power command for it is already under way, with {@link PowerFailed} (502) when the BMC refuses.
     * Empty when there is no such pool machine.
     */
    default java.util.concurrent.CompletableFuture<Optional<MachineStatus>> powerCycle(String machine) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new IllegalStateException("power-cycle: this pool cannot power machines"));
    }

    /** The image a lease (or an admin's reimage) gets when it names none; {@code null} when the pool has none. */
    default String defaultImage() {
        return null;
    }

    /** The BMC failed a command an admin asked for. */
    final class PowerFailed extends RuntimeException {
        public PowerFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The booted OS reports it is up (its first-boot ready URL). False if the token is unknown. */
    boolean ready(String token);

    /** Stored events after {@code afterSeq}, oldest first; {@code machine}/{@code lease} filter when not null. */
    List<PoolEvent> events(long afterSeq, String machine, String lease, int limit);

    /**
     * Calls {@code sink} with every event after {@code afterSeq}, in order, from a runtime thread, until the
     * returned handle is closed (an SSE connection). {@code sink} must not block.
     */
    AutoCloseable subscribe(long afterSeq, Consumer<PoolEvent> sink);
}
