package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

class BootScriptsTest {
    @Test
    void baseUrlPrefersAValidHostHeader() throws Exception {
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 8080);
        assertThat(BootScripts.baseUrl("boot.lab:8080", local)).isEqualTo("http://boot.lab:8080");
        assertThat(BootScripts.baseUrl("[fd00::1]:80", local)).isEqualTo("http://[fd00::1]:80");
    }

    @Test
    void baseUrlFallsBackToTheLocalAddress() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 8080);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("fd00::1"), 81);
        assertThat(BootScripts.baseUrl(null, v4)).isEqualTo("http://10.0.0.1:8080");
        assertThat(BootScripts.baseUrl("evil host\nchain http://x", v4)).isEqualTo("http://10.0.0.1:8080");
        assertThat(BootScripts.baseUrl("", v6)).isEqualTo("http://[fd00:0:0:0:0:0:0:1]:81");
    }
}
