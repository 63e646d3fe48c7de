package io.pxereimage.runtime.pool;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import io.pxereimage.runtime.store.Database;

/** The store's contract on the embedded H2 file in a data directory (the default). */
class PoolStoreTest extends PoolStoreContract {
    @TempDir
    Path dir;

    @Override
    Database freshDatabase() throws Exception {
        return Database.embedded(dir);
    }

    @Override
    Database reopen() throws Exception {
        return Database.embedded(dir);
    }
}
