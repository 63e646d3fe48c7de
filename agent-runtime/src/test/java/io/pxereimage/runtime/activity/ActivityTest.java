package io.pxereimage.runtime.activity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.MacAddress;

class ActivityTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:aa:00:01");

    @Test
    void aBoundedRingNewestLast() {
        Activity a = new Activity(Clock.systemUTC());
        for (int i = 0; i < Activity.CAPACITY + 20; i++) {
            a.record(Activity.Kind.HTTP, (MacAddress) null, "line " + i);
        }
        List<Activity.Entry> all = a.recent(Activity.CAPACITY);
        assertThat(all).hasSize(Activity.CAPACITY);
        assertThat(all.get(0).summary()).isEqualTo("line 20");
        assertThat(all.get(all.size() - 1).summary()).isEqualTo("line " + (Activity.CAPACITY + 19));
        assertThat(a.recent(2)).extracting(Activity.Entry::summary).containsExactly("line 518", "line 519");
    }

    @Test
    void addressesLearntFromDhcpNameTftpAndHttpClients() throws Exception {
        Activity a = new Activity(Clock.systemUTC()).naming(m -> m.equals(MAC) ? "rack1-07" : null);
        InetAddress ip = InetAddress.getByName("10.0.0.50");
        assertThat(a.record(Activity.Kind.TFTP, ip, "RRQ undionly.kpxe").mac()).isNull();
        a.address(ip, MAC);
        Activity.Entry e = a.record(Activity.Kind.TFTP, ip, "RRQ undionly.kpxe 68 KiB in 0.2 s");
        assertThat(e.mac()).isEqualTo("52:54:00:aa:00:01");
        assertThat(e.machine()).isEqualTo("rack1-07");
        List<Activity.Entry> heard = new ArrayList<>();
        a.addListener(heard::add);
        a.record(Activity.Kind.DHCP, MAC, "DISCOVER -> proxyDHCP OFFER file=undionly.kpxe");
        assertThat(heard).hasSize(1);
        a.removeListener(heard::add); // a different instance: still subscribed
        for (int i = 0; i < Activity.ADDRESSES; i++) {
            a.address(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}), MAC);
        }
        assertThat(a.record(Activity.Kind.HTTP, ip, "file").mac()).isNull(); // the oldest address was forgotten
    }
}
