package io.pxereimage.jenkinsapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.Extension;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import net.java.sezpoz.Index;
import net.java.sezpoz.IndexItem;
import net.java.sezpoz.Indexable;
import org.jenkinsci.Symbol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.annotation_indexer.Indexed;

/**
 * The stand-in annotations must make the real annotation processors of a dependent module write the indexes Jenkins
 * reads: sezpoz's {@code META-INF/annotations/hudson.Extension} for {@code @Extension} and annotation-indexer's
 * {@code META-INF/annotations/org.jenkinsci.Symbol} for {@code @Symbol}. This compiles two small classes against the
 * stand-ins, with both processors on the processor path as a plugin build has them, and reads the indexes back.
 *
 * <p>annotation-indexer 1.4 (the only version Maven Central serves) first reads the index it is about to extend and
 * treats only {@code FileNotFoundException} as "no index yet"; on Java 9 and later javac's filer throws
 * {@code NoSuchFileException} instead, which the processor reports as a compile error. A module using {@code @Symbol}
 * must therefore have an (empty) {@code META-INF/annotations/org.jenkinsci.Symbol} in its class output before javac
 * runs, e.g. as an empty resource file, which Maven copies to {@code target/classes} before compiling.
 */
class IndexingTest {

    @TempDir
    Path dir;

    @Test
    void realProcessorsIndexExtensionAndSymbol() throws Exception {
        Path out = dir.resolve("classes");
        Path symbolIndex = out.resolve("META-INF/annotations/org.jenkinsci.Symbol");
        Files.createDirectories(symbolIndex.getParent());
        Files.writeString(symbolIndex, "");  // what the empty resource file gives a real module (see above)

        String diagnostics = compileSamples(out);
        assertThat(diagnostics).doesNotContain("error");

        Path extensionIndex = out.resolve("META-INF/annotations/hudson.Extension");
        assertThat(extensionIndex).as("sezpoz index").exists();
        assertThat(symbolIndex).as("annotation-indexer index").isNotEmptyFile();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            List<String> extensions = new ArrayList<>();
            List<Double> ordinals = new ArrayList<>();
            for (IndexItem<Extension, Object> item : Index.load(Extension.class, Object.class, loader)) {
                extensions.add(item.className());
                ordinals.add(item.annotation().ordinal());
            }
            assertThat(extensions).containsExactly("sample.Marked");
            assertThat(ordinals).containsExactly(7.0);

            List<String> symbols = Files.readAllLines(symbolIndex, StandardCharsets.UTF_8).stream()
                    .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
            assertThat(symbols).containsExactly("sample.Marked");
            Class<?> marked = loader.loadClass("sample.Marked");
            assertThat(marked.getAnnotation(Symbol.class).value()).containsExactly("x");
        }
    }

    /** The reason for the empty resource file: if a newer annotation-indexer fixes this, the workaround can go. */
    @Test
    void annotationIndexerFailsWithoutAPreexistingSymbolIndex() throws Exception {
        Path out = dir.resolve("bare-classes");
        Files.createDirectories(out);
        assertThatThrownBy(() -> compileSamples(out))
                .hasMessageContaining("NoSuchFileException")
                .hasMessageContaining("META-INF/annotations/org.jenkinsci.Symbol");
    }

    /** Compiles the samples into {@code out}; returns javac's messages, or throws with them if javac failed. */
    private String compileSamples(Path out) throws Exception {
        Path src = dir.resolve("src/sample");
        Files.createDirectories(src);
        Files.writeString(src.resolve("Marked.java"), """
                package sample;

                @hudson.Extension(ordinal = 7)
                @org.jenkinsci.Symbol("x")
                public class Marked {
                }
                """);
        Files.writeString(src.resolve("Unmarked.java"), """
                package sample;

                public class Unmarked {
                }
                """);

        String classPath = jars(Extension.class, Indexable.class, Indexed.class);
        String processorPath = jars(Indexable.class, Indexed.class);
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-classpath", classPath,
                "-processorpath", processorPath));
        try (Stream<Path> files = Files.list(src)) {
            files.map(Path::toString).sorted().forEach(args::add);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(new String[0]));
        String messages = diagnostics.toString(StandardCharsets.UTF_8);
        if (rc != 0) {
            throw new IllegalStateException("javac failed: " + messages);
        }
        return messages;
    }

    private static String jars(Class<?>... classes) throws URISyntaxException {
        List<String> paths = new ArrayList<>();
        for (Class<?> c : classes) {
            String p = Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            if (!paths.contains(p)) {
                paths.add(p);
            }
        }
        return String.join(File.pathSeparator, paths);
    }
}
