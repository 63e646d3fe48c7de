package io.pxereimage.runtime.tftp;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The server's Micrometer meters. Counters are created up front so dashboards see zeros, not gaps. */
final class TftpMetrics {
    static final String TRANSFERS = "pxe_tftp_transfers_total";
    static final String BYTES = "pxe_tftp_bytes_total";
    static final String DROPPED = "pxe_tftp_dropped_packets_total";

    /** Reasons for {@link #dropped}: a fixed set, so the tag cardinality stays bounded. */
    enum DropReason {
        MALFORMED, UNEXPECTED_OPCODE, UNKNOWN_TID, DUPLICATE_REQUEST, STALE_ACK;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Map<TransferOutcome, Counter> transfers = new EnumMap<>(TransferOutcome.class);
    private final Map<DropReason, Counter> dropped = new ConcurrentHashMap<>();
    private final Counter bytes;

    TftpMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (TransferOutcome o : TransferOutcome.values()) {
            transfers.put(o, Counter.builder(TRANSFERS).description("TFTP read requests by outcome")
                    .tag("outcome", o.tag()).register(registry));
        }
        for (DropReason r : DropReason.values()) {
            dropped.put(r, Counter.builder(DROPPED).description("TFTP datagrams dropped")
                    .tag("reason", r.tag()).register(registry));
        }
        bytes = Counter.builder(BYTES).description("TFTP payload bytes sent (first transmissions)")
                .register(registry);
    }

    void transfer(TransferOutcome outcome) {
        transfers.get(outcome).increment();
    }

    void bytes(long n) {
        bytes.increment(n);
    }

    void dropped(DropReason reason) {
        dropped.get(reason).increment();
    }

    MeterRegistry registry() {
        return registry;
    }
}
