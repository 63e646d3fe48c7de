package io.pxereimage.runtime.multicast;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * How the runtime groups deploys into multicast sessions and runs their senders (config {@code multicast:},
 * {@code docs/multicast.md}).
 *
 * @param group the control group; session slot {@code i} sends its data to {@code group + 1 + i}
 * @param port the control port; data goes to {@code port + 1}
 * @param interfaceName where to send from, or {@code null} for the runtime's boot interface
 * @param window the gathering window of automatic grouping; zero = explicit sessions only
 * @param rateBytesPerSecond the sender's cap (wire bytes), 0 = none
 * @param minReceivers start rule after {@code maxWait}
 * @param maxWait how long a sender admits receivers, from the first job of its session an agent took
 * @param phaseTimeout a receiver silent this long in a phase leaves the session
 * @param announceWaitSeconds told to agents: no ANNOUNCE within this long, deploy by unicast
 * @param maxSessions sessions running at once
 * @param minRateBytesPerSecond rate control's floor; with {@code evictLag} and {@code evictLoss} the sender's
 *        {@link MulticastSender.Tuning}
 */
public record MulticastSettings(Inet4Address group, int port, String interfaceName, Duration window,
        long rateBytesPerSecond, int minReceivers, Duration maxWait, Duration phaseTimeout, int announceWaitSeconds,
        int maxSessions, long minRateBytesPerSecond, Duration evictLag, double evictLoss) {

    /** With the sender's default tuning. */
    public MulticastSettings(Inet4Address group, int port, String interfaceName, Duration window,
            long rateBytesPerSecond, int minReceivers, Duration maxWait, Duration phaseTimeout,
            int announceWaitSeconds, int maxSessions) {
        this(group, port, interfaceName, window, rateBytesPerSecond, minReceivers, maxWait, phaseTimeout,
                announceWaitSeconds, maxSessions, MulticastSender.Tuning.DEFAULT.minRateBytesPerSecond(),
                MulticastSender.Tuning.DEFAULT.evictLag(), MulticastSender.Tuning.DEFAULT.evictLoss());
    }

    /** The sender's tuning: its defaults with this floor and these eviction rules. */
    public MulticastSender.Tuning tuning() {
        MulticastSender.Tuning d = MulticastSender.Tuning.DEFAULT;
        return new MulticastSender.Tuning(d.window(), minRateBytesPerSecond, d.congestionLoss(), evictLoss, evictLag);
    }

    /** The data group of session slot {@code slot} (0-based). */
    public Inet4Address dataGroup(int slot) {
        byte[] a = group.getAddress();
        a[3] = (byte) ((a[3] & 0xff) + 1 + slot);
        try {
            return (Inet4Address) InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    public boolean automatic() {
        return !window.isZero();
    }
}
