package io.pxereimage.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code site:} section: the site's name (short form too), its heartbeat and timeout, and their checks. */
class SiteConfigTest {
    static final String BASE = "address: 10.231.110.1\n";

    @Test
    void theShortFormNamesTheSiteWithDefaultTimes() {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", BASE + "site: rack-a\n");
        assertThat(c.site()).isEqualTo(new SiteSection("rack-a", 5, 30));
        assertThat(c.siteName("host")).isEqualTo("rack-a");
    }

    @Test
    void theLongFormSetsHeartbeatAndTimeout() {
        RuntimeConfig c = ConfigLoader.parse("t.yaml", BASE + "site: {name: lyon, heartbeatSeconds: 2,"
                + " unreachableAfterSeconds: 10}\n");
        assertThat(c.site()).isEqualTo(new SiteSection("lyon", 2, 10));
    }

    @Test
    void withoutASiteTheNameIsPoolOwnerElseTheHost() {
        assertThat(ConfigLoader.parse("t.yaml", BASE).siteName("host")).isEqualTo("host");
        assertThat(ConfigLoader.parse("t.yaml", BASE + "pool: {owner: old}\n").siteName("host")).isEqualTo("old");
        assertThat(ConfigLoader.parse("t.yaml", BASE + "pool: {owner: same}\nsite: same\n").siteName("host"))
                .isEqualTo("same");
        // a long heartbeat raises the default timeout with it
        assertThat(ConfigLoader.parse("t.yaml", BASE + "site: {heartbeatSeconds: 20}\n").site()
                .unreachableAfterSeconds()).isEqualTo(40);
    }

    @Test
    void mistakesAreReportedWithTheirLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE + "site: {heartbeatSeconds: 5,"
                + " unreachableAfterSeconds: 8}\n")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("t.yaml:2:")
                .hasMessageContaining("unreachableAfterSeconds: 8 is less than twice heartbeatSeconds (5)");
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE + "site: 'rack a'\n"))
                .hasMessageContaining("name: 'rack a' is not a site name");
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE + "pool: {owner: a}\nsite: b\n"))
                .hasMessageContaining("site: name 'b' and pool.owner 'a' differ");
    }
}
