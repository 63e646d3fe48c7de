package io.pxereimage.runtime.power;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which BMC certificates to trust: {@code system} (JDK CAs), {@code insecure} (any), or CAs from a PEM file. */
public record TrustPolicy(String mode, Path caFile) {
    private static final Logger LOG = LoggerFactory.getLogger(TrustPolicy.class);

    public static TrustPolicy system() {
        return new TrustPolicy("system", null);
    }

    public static TrustPolicy insecure() {
        return new TrustPolicy("insecure", null);
    }

    public static TrustPolicy caFile(Path pem) {
        return new TrustPolicy("ca-file", pem);
    }

    /** Parses the config value: {@code system}, {@code insecure} or a path to a PEM file. */
    public static TrustPolicy parse(String value) {
        if (value == null || value.isBlank() || value.equals("system")) {
            return system();
        }
        return value.equals("insecure") ? insecure() : caFile(Path.of(value));
    }

    public String describe() {
        return caFile == null ? mode : "ca-file " + caFile;
    }

    SSLContext sslContext() throws GeneralSecurityException, IOException {
        switch (mode) {
            case "system":
                return SSLContext.getDefault();
            case "insecure": {
                LOG.warn("TLS trust policy 'insecure': BMC certificates are NOT verified; anyone on the path can"
                        + " read the BMC password");
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(null, new TrustManager[] {new TrustAll()}, null);
                return c;
            }
            default: {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                try (InputStream in = Files.newInputStream(caFile)) {
                    int i = 0;
                    for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + i++, cert);
                    }
                    if (i == 0) {
                        throw new IOException("no certificate in " + caFile);
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(null, tmf.getTrustManagers(), null);
                return c;
            }
        }
    }

    /** Extended variant on purpose: the JDK then also skips the host name check, which is the point of insecure. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
