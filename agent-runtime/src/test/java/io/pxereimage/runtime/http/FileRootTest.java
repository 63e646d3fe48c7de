package io.pxereimage.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRootTest {
    @TempDir
    Path tmp;
    Path root;
    FileRoot files;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/kernel"), "k");
        Files.writeString(tmp.resolve("secret"), "s");
        files = new FileRoot(root);
    }

    @Test
    void findsRegularFiles() {
        FileRoot.Lookup l = files.resolve("sub/kernel");
        assertThat(l).isInstanceOf(FileRoot.Found.class);
        assertThat(((FileRoot.Found) l).attributes().size()).isEqualTo(1);
    }

    @Test
    void missingFilesAndDirectoriesAreNotFound() {
        assertThat(files.resolve("nope")).isInstanceOf(FileRoot.NotFound.class);
        assertThat(files.resolve("sub")).isInstanceOf(FileRoot.NotFound.class);
    }

    @Test
    void traversalSyntaxIsForbidden() {
        for (String p : new String[] {"../secret", "sub/../../secret", "..", ".", "/etc/passwd", "sub//kernel",
                "sub\\kernel", "..\\secret", "sub/kernel\0.txt", "", "sub/"}) {
            assertThat(files.resolve(p)).as(p).isInstanceOf(FileRoot.Forbidden.class);
        }
    }

    @Test
    void symlinkOutOfTheRootIsForbidden() throws Exception {
        Files.createSymbolicLink(root.resolve("escape"), tmp.resolve("secret"));
        Files.createSymbolicLink(root.resolve("up"), tmp);
        assertThat(files.resolve("escape")).isInstanceOf(FileRoot.Forbidden.class);
        assertThat(files.resolve("up/secret")).isInstanceOf(FileRoot.Forbidden.class);
    }

    @Test
    void symlinkInsideTheRootIsServed() throws Exception {
        Files.createSymbolicLink(root.resolve("current"), root.resolve("sub/kernel"));
        assertThat(files.resolve("current")).isInstanceOf(FileRoot.Found.class);
    }

    @Test
    void rootThatIsItselfASymlinkStillWorks() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("rootlink"), root);
        assertThat(new FileRoot(link).resolve("sub/kernel")).isInstanceOf(FileRoot.Found.class);
    }
}
