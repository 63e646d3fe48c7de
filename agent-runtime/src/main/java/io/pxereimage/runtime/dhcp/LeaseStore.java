package io.pxereimage.runtime.dhcp;

import java.net.Inet4Address;
import java.util.List;

import io.pxereimage.runtime.net.MacAddress;

/**
 * Where bound leases survive restarts. {@link LeasePool} calls {@link #bound} and {@link #freed} while holding its
 * lock, so implementations must only queue the change and write it elsewhere (never block the packet path).
 */
public interface LeaseStore extends AutoCloseable {
    /** Keeps nothing: leases are lost on restart. */
    LeaseStore NONE = new LeaseStore() {
        @Override
        public List<Lease> load() {
            return List.of();
        }

        @Override
        public void bound(Lease lease) {
        }

        @Override
        public void freed(MacAddress mac, Inet4Address address) {
        }

        @Override
        public void close() {
        }
    };

    /** The bound leases saved earlier (expired ones may be included; the pool drops them). */
    List<Lease> load();

    void bound(Lease lease);

    void freed(MacAddress mac, Inet4Address address);

    @Override
    void close();
}
