package io.pxereimage.runtime.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pxereimage.runtime.power.PowerDriver.State;
import io.pxereimage.runtime.power.PowerException.Kind;
import io.pxereimage.runtime.power.RedfishMockup.Request;

class RedfishDriverTest {
    private static final String SYS = "/redfish/v1/Systems/437XR1138R2";
    private static final String RESET = SYS + "/Actions/ComputerSystem.Reset";
    private RedfishMockup bmc;

    @BeforeEach
    void start() throws Exception {
        bmc = RedfishMockup.http();
    }

    @AfterEach
    void stop() {
        bmc.close();
    }

    private RedfishDriver driver(String password) throws PowerException {
        return new RedfishDriver(bmc.base(), null, RedfishMockup.USER, password, TrustPolicy.system(),
                Duration.ofSeconds(5));
    }

    @Test
    void statusWalksServiceRootToFirstSystem() throws Exception {
        assertThat(driver(RedfishMockup.PASSWORD).status()).isEqualTo(State.ON);
        assertThat(bmc.requests).extracting(Request::method, Request::path).containsExactly(
                org.assertj.core.groups.Tuple.tuple("GET", "/redfish/v1"),
                org.assertj.core.groups.Tuple.tuple("GET", "/redfish/v1/Systems"),
                org.assertj.core.groups.Tuple.tuple("GET", SYS));
    }

    @Test
    void resetTypesComeFromAllowableValues() throws Exception {
        RedfishDriver d = driver(RedfishMockup.PASSWORD);
        d.on();
        d.off();
        d.cycle(); // the mockup allows no PowerCycle: ForceRestart is next
        assertThat(bmc.requests.stream().filter(r -> r.method().equals("POST")).toList()).containsExactly(
                new Request("POST", RESET, "{\"ResetType\":\"On\"}"),
                new Request("POST", RESET, "{\"ResetType\":\"ForceOff\"}"),
                new Request("POST", RESET, "{\"ResetType\":\"ForceRestart\"}"));
        assertThat(bmc.ifMatch).containsOnly("-");
    }

    @Test
    void bootPxeOncePatchesTheSystem() throws Exception {
        driver(RedfishMockup.PASSWORD).bootPxeOnce();
        assertThat(bmc.requests.stream().filter(r -> !r.method().equals("GET")).toList()).containsExactly(
                new Request("PATCH", SYS,
                        "{\"Boot\":{\"BootSourceOverrideTarget\":\"Pxe\",\"BootSourceOverrideEnabled\":\"Once\"}}"));
        assertThat(bmc.ifMatch).singleElement().asString().startsWith("W/\"");
    }

    @Test
    void configuredSystemIdMustExist() throws Exception {
        RedfishDriver d = new RedfishDriver(bmc.base(), "nope", RedfishMockup.USER, RedfishMockup.PASSWORD,
                TrustPolicy.system(), Duration.ofSeconds(5));
        assertThatThrownBy(d::status).isInstanceOf(PowerException.class).hasMessageContaining("no system nope");
    }

    @Test
    void wrongPasswordIsAuthWithoutThePassword() throws Exception {
        assertThatThrownBy(() -> driver("wrong-Pw").on()).isInstanceOfSatisfying(PowerException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.AUTH);
            assertThat(e.getMessage()).contains("HTTP 401").doesNotContain("wrong-Pw");
        });
    }

    @Test
    void unreachableBmc() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedfishDriver d = new RedfishDriver(URI.create("http://127.0.0.1:" + port), null, "u", "p",
                TrustPolicy.system(), Duration.ofSeconds(2));
        assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE));
    }

    @Test
    void bmcThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket ignored = silent.accept()) {
                    Thread.sleep(5000);
                } catch (Exception e) {
                    // closed by the test
                }
            });
            t.setDaemon(true);
            t.start();
            RedfishDriver d = new RedfishDriver(URI.create("http://127.0.0.1:" + silent.getLocalPort()), null,
                    "u", "p", TrustPolicy.system(), Duration.ofMillis(500));
            long t0 = System.nanoTime();
            assertThatThrownBy(d::status).isInstanceOfSatisfying(PowerException.class, e -> {
                assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
                assertThat(e.getMessage()).contains("no answer").contains("500 ms");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
