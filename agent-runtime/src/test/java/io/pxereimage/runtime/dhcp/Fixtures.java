package io.pxereimage.runtime.dhcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Packets captured from real clients (see {@code src/test/resources/captures/README.md}). */
public final class Fixtures {
    private Fixtures() {
    }

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/captures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static DhcpMessage message(String name) {
        try {
            return DhcpCodec.decode(bytes(name));
        } catch (DhcpCodecException e) {
            throw new AssertionError(name + ": " + e.getMessage(), e);
        }
    }
}
