package io.pxereimage.runtime.multicast;

/**
 * Smoothed round-trip time and the retransmission timeout derived from it (the RFC 6298 estimator), fed by the
 * timestamps receivers echo. Not thread-safe: the sender's thread owns it.
 */
final class RoundTrip {
    private final long minRto;
    private final long maxRto;
    private long srtt = -1;
    private long rttvar;

    RoundTrip(long minRtoNanos, long maxRtoNanos) {
        this.minRto = minRtoNanos;
        this.maxRto = maxRtoNanos;
    }

    void sample(long rttNanos) {
        if (rttNanos < 0) {
            return;
        }
        if (srtt < 0) {
            srtt = rttNanos;
            rttvar = rttNanos / 2;
        } else {
            rttvar = (3 * rttvar + Math.abs(srtt - rttNanos)) / 4;
            srtt = (7 * srtt + rttNanos) / 8;
        }
    }

    /** How long to wait for answers before asking again. */
    long rto() {
        if (srtt < 0) {
            return Math.min(maxRto, Math.max(minRto, 100_000_000L));
        }
        return Math.min(maxRto, Math.max(minRto, srtt + 4 * rttvar));
    }

    long srtt() {
        return srtt;
    }
}
