package io.pxereimage.runtime.multicast;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sender's rate decisions, free of I/O and clocks (docs/multicast.md, "Rate control"): AIMD driven by the
 * receivers' first answer to each slice's STATUS_REQ.
 * <ul>
 * <li>A slice in which some receiver missed more than {@code congestionLoss} of the blocks is congestion: the
 * receiver (or the path to it) could not keep up. The rate drops to {@code DECREASE} of the current one (not below
 * {@code floor}), once per event: answers for slices sent before the decrease took effect are not counted again.
 * Random loss below the threshold (a bad cable, 1 % or 5 %) is repaired, not slowed down for.</li>
 * <li>Every slice all receivers answered without congestion raises the rate by a sixteenth of the cap, up to the
 * cap. Without a cap the sender runs unpaced until the first congestion, then from the rate measured then.</li>
 * <li>A receiver whose smoothed loss stays above {@code evictLoss} (over at least {@code MIN_SAMPLES} answers)
 * costs everyone its repairs: {@link #lossy()} names it, and the sender tells it to leave ({@code TOO_SLOW}), when
 * slowing down cannot help: the rate is at the floor already, or the others lose far less (an outlier: not the
 * group is overloaded, only this receiver or its path; an outlier's congestion does not lower the rate either).</li>
 * </ul>
 * Not thread-safe: the sender's thread owns it.
 */
final class RateControl {
    /** Multiplicative decrease on congestion. */
    static final double DECREASE = 0.7;
    /** Answers a receiver must have given before its loss can evict it. */
    static final int MIN_SAMPLES = 6;
    /** Weight of a new sample in a receiver's smoothed loss. */
    static final double LOSS_GAIN = 0.25;

    private final long cap;
    private final long floor;
    private final double congestionLoss;
    private final double evictLoss;
    private long rate;
    /** Slices below this were sent before the last decrease: their answers say nothing new. */
    private int recoverFrom;
    /** The slice the sender is sending now (set by {@link #sending}). */
    private int sending;
    private int decreases;
    private long lowest;
    private final Map<Integer, double[]> loss = new HashMap<>(); // receiver index -> {smoothed loss, samples}
    private final Map<Integer, Boolean> congested = new HashMap<>(); // slice -> congestion seen

    /**
     * @param cap the configured cap in bytes/s (0 = none)
     * @param floor the rate never goes below this (bytes/s, > 0)
     * @param congestionLoss a first answer missing more than this fraction of a slice is congestion
     * @param evictLoss a receiver whose smoothed loss is above this fraction is named by {@link #lossy()}; 0: never
     */
    RateControl(long cap, long floor, double congestionLoss, double evictLoss) {
        if (floor <= 0 || cap < 0 || cap > 0 && floor > cap) {
            throw new IllegalArgumentException("rate floor " + floor + " must be > 0 and <= the cap " + cap);
        }
        this.cap = cap;
        this.floor = floor;
        this.congestionLoss = congestionLoss;
        this.evictLoss = evictLoss;
        this.rate = cap;
        this.lowest = cap;
    }

    /** The rate to pace at, bytes/s; 0 = unpaced (no cap and no congestion yet). */
    long rate() {
        return rate;
    }

    /** The lowest rate so far (0: never paced). */
    long lowest() {
        return lowest;
    }

    int decreases() {
        return decreases;
    }

    /** The sender starts sending {@code slice}. */
    void sending(int slice) {
        sending = Math.max(sending, slice);
    }

    /**
     * A receiver's first answer to the STATUS_REQ of {@code slice}: {@code lost} of {@code blocks} missing.
     * {@code measured}: the rate the sender actually achieved lately (bytes/s), the base of the first decrease when
     * there is no cap.
     */
    void answer(int receiver, int slice, int lost, int blocks, long measured) {
        double fraction = blocks == 0 ? 0 : (double) lost / blocks;
        double[] l = loss.computeIfAbsent(receiver, k -> new double[2]);
        l[0] += LOSS_GAIN * (fraction - l[0]); // from 0: one bad first slice (a late REGISTER_ACK) is no verdict
        l[1]++;
        if (fraction <= congestionLoss || l[1] == 1 || l[1] >= MIN_SAMPLES && outlier(receiver, l[0])) {
            // a receiver's first answer may follow a late admission; a lone lossy receiver is evicted, not followed
            return;
        }
        congested.put(slice, true);
        if (slice < recoverFrom) {
            return; // the same event: this slice left before the last decrease
        }
        long base = rate == 0 ? measured : rate; // (measured includes the waits for a full window: not a base)
        if (base <= 0) {
            return; // nothing measured yet: wait for the next answer
        }
        long lower = Math.max(floor, (long) (base * DECREASE));
        if (lower == rate) {
            return; // at the floor already: slowing down cannot help, the loss counts towards eviction
        }
        rate = lower;
        lowest = lowest == 0 ? rate : Math.min(lowest, rate);
        decreases++;
        recoverFrom = sending + 1;
    }

    /** Every active receiver confirmed {@code slice}: without congestion in it, the rate grows additively. */
    void sliceDone(int slice) {
        boolean hot = congested.remove(slice) != null;
        if (hot || slice < recoverFrom || rate == 0) {
            return;
        }
        long step = cap > 0 ? Math.max(1, cap / 16) : Math.max(floor, rate / 16);
        rate = cap > 0 ? Math.min(cap, rate + step) : rate + step;
    }

    /** Receivers whose smoothed loss is above the eviction threshold. */
    List<Integer> lossy() {
        List<Integer> out = new ArrayList<>();
        if (evictLoss <= 0) {
            return out;
        }
        loss.forEach((receiver, l) -> {
            if (l[1] >= MIN_SAMPLES && l[0] > evictLoss && (rate > 0 && rate <= floor || outlier(receiver, l[0]))) {
                out.add(receiver);
            }
        });
        return out;
    }

    /**
     * Loss far above every other receiver's: a lone bad receiver or path. When two or more lose much, the group is
     * overloaded (e.g. receivers short of CPU) and the rate follows the slowest instead.
     */
    private boolean outlier(int receiver, double own) {
        double others = -1;
        for (Map.Entry<Integer, double[]> e : loss.entrySet()) {
            if (e.getKey() != receiver) {
                others = Math.max(others, e.getValue()[0]);
            }
        }
        return others >= 0 && own > 3 * others + 0.05;
    }

    /** Smoothed loss of a receiver (0 before its first answer). */
    double loss(int receiver) {
        double[] l = loss.get(receiver);
        return l == null ? 0 : l[0];
    }

    /** A receiver left the session: its loss no longer counts. */
    void forget(int receiver) {
        loss.remove(receiver);
    }
}
