package io.pxereimage.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;


class MacAddressTest {
    @Test
    void parsesCommonFormsAndPrintsCanonical() {
        assertThat(MacAddress.parse("52-54-00-AB-CD-EF").toString()).isEqualTo("52:54:00:ab:cd:ef");
        assertThat(MacAddress.parse("525400abcdef")).isEqualTo(MacAddress.parse("52:54:00:ab:cd:ef"));
        assertThat(MacAddress.of(MacAddress.parse("52:54:00:ab:cd:ef").toBytes(), 0).toString())
                .isEqualTo("52:54:00:ab:cd:ef");
    }

    @Test
    void rejectsGarbageWithTheText() {
        assertThatThrownBy(() -> MacAddress.parse("52:54:00")).hasMessageContaining("'52:54:00'");
        assertThatThrownBy(() -> MacAddress.parse("zz:54:00:ab:cd:ef")).hasMessageContaining("not a MAC");
    }
}
