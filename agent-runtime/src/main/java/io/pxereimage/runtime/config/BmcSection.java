package io.pxereimage.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.pxereimage.runtime.power.BmcSpec;

/**
 * A machine's BMC in the config file. The password comes from {@code passwordFile} (preferred) or
 * {@code password}; it is never printed.
 *
 * @param driver ipmi, redfish, wol or manual
 * @param address see {@link BmcSpec}
 * @param timeoutSeconds per BMC command (default 20)
 */
public record BmcSection(String driver, String address, String user, String password, String passwordFile,
        String systemId, String trust, Integer timeoutSeconds) {
    public BmcSection {
        if (password != null && passwordFile != null) {
            throw new IllegalArgumentException("password/passwordFile: give one, not both");
        }
        timeoutSeconds = Fields.range("timeoutSeconds", timeoutSeconds, 20, 1, 600);
        // Validates driver and address here, so that an error carries this section's line.
        spec(driver, address, user, password, systemId, trust, timeoutSeconds);
    }

    /** @throws ConfigException when the password file cannot be read */
    public BmcSpec toSpec() {
        String secret = password;
        if (passwordFile != null) {
            try {
                secret = Files.readString(Path.of(passwordFile)).strip();
            } catch (IOException e) {
                throw new ConfigException("bmc.passwordFile: cannot read " + passwordFile, e);
            }
        }
        return toSpec(secret);
    }

    private BmcSpec toSpec(String secret) {
        return spec(driver, address, user, secret, systemId, trust, timeoutSeconds);
    }

    private static BmcSpec spec(String driver, String address, String user, String secret, String systemId,
            String trust, int timeoutSeconds) {
        return new BmcSpec(driver, address, user, secret, systemId, trust, Duration.ofSeconds(timeoutSeconds));
    }

    @Override
    public String toString() {
        return "BmcSection[driver=" + driver + ", address=" + address + ", user=" + user + ", password="
                + (password == null ? "none" : "***") + ", passwordFile=" + passwordFile + "]";
    }
}
