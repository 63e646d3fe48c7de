package io.pxereimage.runtime.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.power.PowerDriver.State;
import io.pxereimage.runtime.power.PowerException.Kind;

/** A BMC with a self-signed certificate (made by keytool here) under the three trust policies. */
class RedfishTlsTest {
    @TempDir
    static Path dir;
    static Path caPem;
    static RedfishMockup bmc;

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("bmc.p12");
        caPem = dir.resolve("bmc-ca.pem");
        keytool("-genkeypair", "-alias", "bmc", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "bmc", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        bmc = RedfishMockup.https(ssl);
    }

    @AfterAll
    static void stop() {
        if (bmc != null) {
            bmc.close();
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private State status(TrustPolicy trust) throws PowerException {
        return new RedfishDriver(bmc.base(), null, RedfishMockup.USER, RedfishMockup.PASSWORD, trust,
                Duration.ofSeconds(5)).status();
    }

    @Test
    void systemTrustRejectsSelfSignedCertificate() {
        assertThatThrownBy(() -> status(TrustPolicy.system())).isInstanceOfSatisfying(PowerException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.PROTOCOL);
            assertThat(e.getMessage()).contains("TLS failed (trust policy system)");
        });
    }

    @Test
    void insecureTrustsAnything() throws Exception {
        assertThat(status(TrustPolicy.insecure())).isEqualTo(State.ON);
    }

    @Test
    void caFileTrustsThatCertificate() throws Exception {
        assertThat(status(TrustPolicy.parse(caPem.toString()))).isEqualTo(State.ON);
    }

    @Test
    void caFileWithoutCertificatesIsAClearError() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> status(TrustPolicy.caFile(empty))).isInstanceOf(PowerException.class)
                .hasMessageContaining("no certificate in");
    }
}
