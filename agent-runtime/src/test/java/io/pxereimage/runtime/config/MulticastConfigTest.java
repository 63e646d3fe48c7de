package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.multicast.MulticastSettings;

/** The {@code multicast:} section: defaults, values, and errors that name file, line, column and field. */
class MulticastConfigTest {
    static final String BASE = """
            address: 10.99.0.1
            deploy:
              kernel: deploy/vmlinuz
            """;
    static final String FULL = BASE + """
            multicast:
              group: 239.1.2.10
              port: 9000
              interface: eth1
              windowSeconds: 0
              rateMbps: 100
              minReceivers: 2
              maxWaitSeconds: 60
              phaseTimeoutSeconds: 7
              announceWaitSeconds: 15
              maxSessions: 3
              minRateMbps: 2
              evictAfterSeconds: 0
              evictLossPercent: 50
            """;

    @Test
    void absentMeansUnicastOnly() {
        assertThat(ConfigLoader.parse("t.yaml", BASE).multicast()).isNull();
    }

    @Test
    void emptySectionHasTheDefaults() {
        MulticastSettings s = ConfigLoader.parse("t.yaml", BASE + "multicast: {}\n").multicast().toSettings();
        assertThat(s.group().getHostAddress()).isEqualTo("239.255.80.1");
        assertThat(s.port()).isEqualTo(7400);
        assertThat(s.interfaceName()).isNull();
        assertThat(s.window()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.automatic()).isTrue();
        assertThat(s.rateBytesPerSecond()).isEqualTo(100_000_000L);
        assertThat(s.minReceivers()).isEqualTo(1);
        assertThat(s.maxWait()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.phaseTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.announceWaitSeconds()).isEqualTo(10);
        assertThat(s.maxSessions()).isEqualTo(4);
        assertThat(s.dataGroup(0).getHostAddress()).isEqualTo("239.255.80.2");
        assertThat(s.tuning().minRateBytesPerSecond()).isEqualTo(1_000_000L);
        assertThat(s.tuning().evictLag()).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.tuning().evictLoss()).isEqualTo(0.3);
        assertThat(s.dataGroup(3).getHostAddress()).isEqualTo("239.255.80.5");
    }

    @Test
    void everyFieldIsBound() {
        MulticastSettings s = ConfigLoader.parse("t.yaml", FULL).multicast().toSettings();
        assertThat(s.group().getHostAddress()).isEqualTo("239.1.2.10");
        assertThat(s.port()).isEqualTo(9000);
        assertThat(s.interfaceName()).isEqualTo("eth1");
        assertThat(s.automatic()).as("window 0: explicit sessions only").isFalse();
        assertThat(s.rateBytesPerSecond()).isEqualTo(12_500_000L);
        assertThat(s.minReceivers()).isEqualTo(2);
        assertThat(s.maxWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.phaseTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.announceWaitSeconds()).isEqualTo(15);
        assertThat(s.maxSessions()).isEqualTo(3);
        assertThat(s.dataGroup(2).getHostAddress()).isEqualTo("239.1.2.13");
        assertThat(s.tuning().minRateBytesPerSecond()).isEqualTo(250_000L);
        assertThat(s.tuning().evictLag()).isZero();
        assertThat(s.tuning().evictLoss()).isEqualTo(0.5);
    }

    @Test
    void badValuesNameFileLineColumnAndField() {
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("239.1.2.10", "10.1.2.3")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("site.yaml:5:3: multicast.group: not a multicast address (224.0.0.0/4): '10.1.2.3'");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("239.1.2.10", "239.1.2")))
                .hasMessageStartingWith("site.yaml:5:").hasMessageContaining("multicast.group: not an IPv4 address");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("239.1.2.10", "239.1.2.254")))
                .hasMessageContaining("multicast.group: 239.1.2.254 leaves no room for 3 data groups");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("port: 9000", "port: 65535")))
                .hasMessage("site.yaml:6:3: multicast.port: 65535 is outside 1..65534");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("windowSeconds: 0",
                "windowSeconds: -1"))).hasMessage("site.yaml:8:3: multicast.windowSeconds: -1 is outside 0..600");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("minReceivers: 2",
                "minReceivers: 0"))).hasMessageStartingWith("site.yaml:10:")
                .hasMessageContaining("multicast.minReceivers: 0 is outside 1..1024");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("interface: eth1",
                "interface: \"eth 1\""))).hasMessageStartingWith("site.yaml:7:")
                .hasMessageContaining("multicast.interface: not an interface name");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("minRateMbps: 2", "minRateMbps: 200")))
                .hasMessageContaining("multicast.minRateMbps: 200 is above rateMbps 100");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("evictLossPercent: 50",
                "evictLossPercent: 101"))).hasMessageContaining("multicast.evictLossPercent: 101 is outside 0..100");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", FULL.replace("rateMbps", "rate")))
                .hasMessageStartingWith("site.yaml:9:").hasMessageContaining("unknown field 'rate'");
        assertThatThrownBy(() -> ConfigLoader.parse("site.yaml", "address: 10.99.0.1\nmulticast: {}\n"))
                .hasMessageContaining("multicast: needs a deploy section");
    }
}
