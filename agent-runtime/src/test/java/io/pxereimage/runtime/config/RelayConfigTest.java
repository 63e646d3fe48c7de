package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.net.Ip4;

/** {@code dhcp.alternatePorts} and {@code dhcp.relayedSubnets}: defaults, and bad values as FILE:LINE:COL. */
class RelayConfigTest {
    static DhcpSection dhcp(String section) {
        return ConfigLoader.parse("t.yaml", "address: 10.231.107.2\ndhcp:\n" + section.indent(2)).dhcp();
    }

    static void fails(String section, String message) {
        assertThatThrownBy(() -> dhcp(section)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void standardPortsByDefaultAlternatePortsWhenOnEachOverridable() {
        DhcpSection std = dhcp("mode: proxy");
        assertThat(std.serverPort()).isEqualTo(67);
        assertThat(std.clientPort()).isEqualTo(68);
        DhcpSection alt = dhcp("mode: proxy\nalternatePorts: true");
        assertThat(alt.serverPort()).isEqualTo(2067);
        assertThat(alt.clientPort()).isEqualTo(2068);
        DhcpSection own = dhcp("mode: proxy\nalternatePorts: true\nserverPort: 3067");
        assertThat(own.serverPort()).isEqualTo(3067);
        assertThat(own.clientPort()).isEqualTo(2068);
    }

    @Test
    void relayedSubnets() {
        DhcpSection d = dhcp("""
                mode: dhcp
                relayedSubnets:
                  - {subnet: 10.231.108.0/24, rangeStart: 10.231.108.100, rangeEnd: 10.231.108.150}
                  - subnet: 10.231.109.0/24
                    rangeStart: 10.231.109.10
                    rangeEnd: 10.231.109.20
                    router: 10.231.109.254
                    dns: [10.231.109.53]
                """);
        assertThat(d.relayedSubnets()).hasSize(2);
        var scope = d.relayedSubnets().get(1).toScope();
        assertThat(scope.cidr()).isEqualTo("10.231.109.0/24");
        assertThat(scope.router()).isEqualTo(Ip4.parse("10.231.109.254"));
        assertThat(scope.contains(Ip4.parse("10.231.109.200"))).isTrue();
        assertThat(d.relayedSubnets().get(0).toScope().router()).isNull(); // giaddr at run time
    }

    @Test
    void badValuesNameFileLineAndField() {
        fails("mode: proxy\nalternatePorts: true\nserverPort: 67",
                "t.yaml:5:3: dhcp.serverPort: 67 with alternatePorts on: drop one of them");
        fails("mode: proxy\nserverPort: 2068\nclientPort: 2068",
                "t.yaml:4:3: dhcp.serverPort: 2068 is also the clientPort");
        fails("mode: proxy\nrelayedSubnets:\n  - {subnet: 10.231.108.0/24, rangeStart: 10.231.108.1,"
                + " rangeEnd: 10.231.108.9}",
                "t.yaml:4:3: dhcp.relayedSubnets: only in mode dhcp (in proxy mode the relayed subnet's own DHCP"
                        + " server hands out addresses)");
        fails("mode: dhcp\nrelayedSubnets:\n  - subnet: 10.231.108.0/24\n    rangeStart: 10.231.109.1\n"
                + "    rangeEnd: 10.231.108.9",
                "t.yaml:6:7: dhcp.relayedSubnets[0].rangeStart: 10.231.109.1 is not inside 10.231.108.0/24");
        fails("mode: dhcp\nrelayedSubnets:\n  - {subnet: 10.231.108.0/24, rangeStart: 10.231.108.1, rangeEnd:"
                + " 10.231.108.9}\n  - {subnet: 10.231.0.0/16, rangeStart: 10.231.1.1, rangeEnd: 10.231.1.9}",
                "t.yaml:4:3: dhcp.relayedSubnets: 10.231.0.0/16 overlaps 10.231.108.0/24 (a giaddr must name one"
                        + " subnet)");
        fails("mode: dhcp\nrelayedSubnets:\n  - subnet: 10.231.108.0/33\n    rangeStart: 10.231.108.1\n"
                + "    rangeEnd: 10.231.108.9",
                "t.yaml:5:7: dhcp.relayedSubnets[0].subnet: prefix length 33 is outside 1..32");
    }
}
