package io.pxereimage.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hash and write stages: order, the running hash, and a failing stage that must not hang the caller. */
@Timeout(20)
class PipelinedWriterTest {
    @TempDir
    Path tmp;

    @Test
    void writesInOrderAndHashesTheRawStream() throws Exception {
        Path out = tmp.resolve("out");
        Random r = new Random(5);
        MessageDigest expected = DeployImage.sha256();
        MessageDigest sha = DeployImage.sha256();
        byte[] all = new byte[40 * 1000];
        r.nextBytes(all);
        expected.update(all);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                PipelinedWriter w = new PipelinedWriter(ch, sha, 3, 1000)) {
            for (int pos = 0; pos < all.length; pos += 1000) {
                byte[] b = w.take();
                System.arraycopy(all, pos, b, 0, 1000);
                w.submit(b, 1000, pos);
            }
            w.finish();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(all);
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
    }

    @Test
    void aFailingWriteStageSurfacesInTheCallerInsteadOfHanging() throws Exception {
        Path ro = Files.write(tmp.resolve("ro"), new byte[10]);
        try (FileChannel ch = FileChannel.open(ro, StandardOpenOption.READ); // writes throw
                PipelinedWriter w = new PipelinedWriter(ch, DeployImage.sha256(), 2, 1000)) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    w.submit(w.take(), 1000, i * 1000L);
                }
                w.finish();
            }).isInstanceOf(IOException.class).hasMessageContaining("writing the image failed");
        }
    }
}
