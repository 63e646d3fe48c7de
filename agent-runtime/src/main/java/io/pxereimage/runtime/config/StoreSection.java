package io.pxereimage.runtime.config;

/**
 * Where the pool's state lives.
 *
 * @param url a JDBC URL: {@code jdbc:postgresql://host:5432/db} to share one inventory between runtimes;
 *            absent for the embedded database in the data directory
 * @param passwordFile a file holding the database password (the password itself never goes in the config)
 */
public record StoreSection(String url, String user, String passwordFile) {
    public StoreSection {
        if (url != null && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException("url: must start with jdbc:postgresql: (or jdbc:h2:)");
        }
        if (url != null && (url.contains("password=") || url.contains("PASSWORD="))) {
            throw new IllegalArgumentException("url: put the password in passwordFile, not in the URL");
        }
    }
}
