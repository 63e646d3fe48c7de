package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.java.sezpoz.Index;
import net.java.sezpoz.IndexItem;

/**
 * Opens the built {@code target/pxe-reimage.hpi} as Jenkins would: its layout, its manifest, the extension index
 * read with sezpoz's own {@link Index} over a class loader of the plugin jar and the stand-ins, the Symbol index,
 * the views, and that nothing of Jenkins (stand-ins, Stapler, sezpoz, annotation-indexer, core jars) is inside.
 */
class HpiIT {
    static Path hpi;
    @TempDir
    static Path tmp;
    static Path pluginJar;
    static List<String> libs = new ArrayList<>();
    /** Class file name -> bytes, of the plugin jar. */
    static Map<String, byte[]> classes = new HashMap<>();
    static Set<String> resources = new TreeSet<>();

    @BeforeAll
    static void open() throws IOException {
        hpi = Paths.get(System.getProperty("hpi", "target/pxe-reimage.hpi"));
        assertThat(hpi).as("built by `mvn package`").isRegularFile();
        try (ZipFile z = new ZipFile(hpi.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (e.getName().startsWith("WEB-INF/lib/") && !e.isDirectory()) {
                    libs.add(e.getName().substring("WEB-INF/lib/".length()));
                }
            }
            pluginJar = tmp.resolve("pxe-reimage.jar");
            try (InputStream in = z.getInputStream(z.getEntry("WEB-INF/lib/pxe-reimage.jar"))) {
                Files.copy(in, pluginJar);
            }
        }
        try (ZipFile z = new ZipFile(pluginJar.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (e.getName().endsWith(".class")) {
                    try (InputStream in = z.getInputStream(e)) {
                        classes.put(e.getName(), in.readAllBytes());
                    }
                } else if (!e.isDirectory()) {
                    resources.add(e.getName());
                }
            }
        }
    }

    @Test
    void layoutIsTheManifestAndWebInfLibWithThePluginJarAndTheRuntime() throws IOException {
        try (ZipFile z = new ZipFile(hpi.toFile())) {
            assertThat(Collections.list(z.entries())).extracting(ZipEntry::getName)
                    .allMatch(n -> n.equals("META-INF/") || n.equals("META-INF/MANIFEST.MF") || n.equals("WEB-INF/")
                            || n.equals("WEB-INF/lib/") || n.matches("WEB-INF/lib/[^/]+\\.jar"), "only the layout");
        }
        assertThat(libs).contains("pxe-reimage.jar")
                .anyMatch(n -> n.matches("agent-runtime-.+\\.jar"))
                .anyMatch(n -> n.matches("protocol-.+\\.jar"))
                .anyMatch(n -> n.matches("netty-codec-http-.+\\.jar"))
                .anyMatch(n -> n.matches("jackson-databind-.+\\.jar"))
                .anyMatch(n -> n.matches("h2-.+\\.jar"));
    }

    @Test
    void manifestHasWhatJenkinsReads() throws IOException {
        Attributes a;
        try (JarFile j = new JarFile(hpi.toFile())) {
            a = j.getManifest().getMainAttributes();
        }
        assertThat(a.getValue("Short-Name")).isEqualTo("pxe-reimage");
        assertThat(a.getValue("Long-Name")).isEqualTo("PXE Reimage");
        assertThat(a.getValue("Plugin-Version")).isNotBlank();
        assertThat(a.getValue("Jenkins-Version")).isEqualTo("2.479.3");
        assertThat(a.getValue("Hudson-Version")).isEqualTo("2.479.3");
        assertThat(a.getValue("Plugin-Dependencies"))
                .isEqualTo("workflow-step-api:704.ve4f0967e98fa_;resolution:=optional");
        assertThat(a.getValue("Group-Id")).isEqualTo("io.pxereimage");
        assertThat(a.getValue("Artifact-Id")).isEqualTo("pxe-reimage");
        assertThat(a.getValue("Url")).startsWith("https://");
        assertThat(a.getValue("Plugin-Developers")).isNotBlank();
        assertThat(a.getValue("Support-Dynamic-Loading")).isEqualTo("true");
        assertThat(a.getValue("Plugin-Class")).as("no hudson.Plugin subclass").isNull();
    }

    /** Class names whose class file uses {@code annotation} (its descriptor is in the constant pool). */
    static Set<String> classesAnnotated(String annotationDescriptor) {
        byte[] needle = annotationDescriptor.getBytes(StandardCharsets.UTF_8);
        Set<String> out = new TreeSet<>();
        classes.forEach((file, bytes) -> {
            if (indexOf(bytes, needle) >= 0) {
                out.add(file.substring(0, file.length() - ".class".length()).replace('/', '.'));
            }
        });
        return out;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static URL jarOf(Class<?> c) throws Exception {
        return c.getProtectionDomain().getCodeSource().getLocation().toURI().toURL();
    }

    @Test
    @SuppressWarnings("unchecked")
    void extensionIndexListsEveryExtensionClassAndEachLinksAgainstTheStandIns() throws Exception {
        Set<String> scanned = classesAnnotated("Lhudson/Extension;");
        assertThat(scanned).contains("io.pxereimage.jenkins.PxeCloud$DescriptorImpl",
                "io.pxereimage.jenkins.PxeGlobalConfiguration", "io.pxereimage.jenkins.PxeReconcileWork",
                "io.pxereimage.jenkins.NoDelayProvisionerStrategy", "io.pxereimage.jenkins.PxeReimageStep$DescriptorImpl");
        // Only the plugin jar, the stand-ins (Jenkins' place) and Stapler/sezpoz: not this test's class path, which
        // has target/classes with its own copy of the index.
        List<URL> urls = new ArrayList<>(List.of(pluginJar.toUri().toURL(), jarOf(hudson.Extension.class),
                jarOf(org.kohsuke.stapler.DataBoundConstructor.class), jarOf(Index.class)));
        try (ZipFile z = new ZipFile(hpi.toFile())) {
            for (String lib : libs) {
                Path p = tmp.resolve("lib-" + lib);
                if (!Files.exists(p)) {
                    try (InputStream in = z.getInputStream(z.getEntry("WEB-INF/lib/" + lib))) {
                        Files.copy(in, p);
                    }
                }
                urls.add(p.toUri().toURL());
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Class<? extends Annotation> extension = (Class<? extends Annotation>) loader.loadClass("hudson.Extension");
            Set<String> indexed = new TreeSet<>();
            for (IndexItem<? extends Annotation, Object> item : Index.load(extension, Object.class, loader)) {
                indexed.add(item.className());
                Class<?> c = Class.forName(item.className(), false, loader);
                assertThat(c.isAnnotationPresent(extension)).as(item.className()).isTrue();
                assertThat(c.getClassLoader()).as("loaded from the plugin jar").isSameAs(loader);
                c.getDeclaredConstructors(); // links its signatures against the stand-ins and the bundled jars
            }
            assertThat(indexed).isEqualTo(scanned);
            assertThat(loader.getResource("META-INF/annotations/hudson.Extension").toString())
                    .contains(pluginJar.getFileName().toString());
        }
    }

    @Test
    void symbolIndexListsEveryDescriptorWithASymbol() throws Exception {
        assertThat(resources).contains("META-INF/annotations/org.jenkinsci.Symbol");
        String index;
        try (ZipFile z = new ZipFile(pluginJar.toFile())) {
            index = new String(z.getInputStream(z.getEntry("META-INF/annotations/org.jenkinsci.Symbol"))
                    .readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> listed = new TreeSet<>(index.lines().filter(l -> !l.isBlank()).toList());
        assertThat(listed).isEqualTo(classesAnnotated("Lorg/jenkinsci/Symbol;"))
                .contains("io.pxereimage.jenkins.PxeReimageStep$DescriptorImpl",
                        "io.pxereimage.jenkins.PxeCloud$DescriptorImpl", "io.pxereimage.jenkins.PxeTemplate$DescriptorImpl",
                        "io.pxereimage.jenkins.PxeGlobalConfiguration");
    }

    @Test
    void nothingOfJenkinsIsInside() throws Exception {
        assertThat(libs).noneMatch(n -> n.startsWith("jenkins-") || n.startsWith("stapler")
                || n.startsWith("sezpoz") || n.startsWith("annotation-indexer") || n.startsWith("remoting")
                || n.startsWith("slf4j") || n.contains("-tests") || n.contains("test-jar"));
        Set<String> standIns = new TreeSet<>();
        try (ZipFile z = new ZipFile(Paths.get(jarOf(hudson.Extension.class).toURI()).toFile())) {
            Collections.list(z.entries()).stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class"))
                    .forEach(standIns::add);
        } catch (java.util.zip.ZipException | URISyntaxException e) {
            throw new AssertionError("the stand-ins should be a jar on this class path", e);
        }
        assertThat(standIns).contains("hudson/slaves/Cloud.class");
        try (ZipFile z = new ZipFile(hpi.toFile())) {
            for (String lib : libs) {
                Path p = tmp.resolve("check-" + lib);
                try (InputStream in = z.getInputStream(z.getEntry("WEB-INF/lib/" + lib))) {
                    Files.copy(in, p);
                }
                try (ZipFile j = new ZipFile(p.toFile())) {
                    List<String> names = Collections.list(j.entries()).stream().map(ZipEntry::getName).toList();
                    assertThat(names).as(lib).noneMatch(standIns::contains)
                            .noneMatch(n -> n.startsWith("hudson/") || n.startsWith("jenkins/")
                                    || n.startsWith("org/kohsuke/stapler/") || n.startsWith("org/jenkinsci/"));
                }
            }
        }
    }

    static final Pattern FIELD = Pattern.compile("field=\"([A-Za-z]+)\"");

    @Test
    void viewsAreWellFormedWithIndexJellyAndHelpForEveryField() throws Exception {
        assertThat(resources).contains("index.jelly",
                "io/pxereimage/jenkins/PxeCloud/config.jelly", "io/pxereimage/jenkins/PxeTemplate/config.jelly",
                "io/pxereimage/jenkins/PxeGlobalConfiguration/config.jelly",
                "io/pxereimage/jenkins/PxeReimageStep/config.jelly",
                "io/pxereimage/jenkins/PxeReimageBuilder/config.jelly",
                "io/pxereimage/jenkins/PxeRetentionStrategy/config.jelly",
                "io/pxereimage/jenkins/PxeManagementLink/index.jelly");
        int fields = 0;
        try (ZipFile z = new ZipFile(pluginJar.toFile())) {
            for (String r : resources) {
                if (!r.endsWith(".jelly")) {
                    continue;
                }
                byte[] bytes = z.getInputStream(z.getEntry(r)).readAllBytes();
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(bytes)); // throws if malformed
                if (r.endsWith("/config.jelly")) {
                    String dir = r.substring(0, r.lastIndexOf('/') + 1);
                    Matcher m = FIELD.matcher(new String(bytes, StandardCharsets.UTF_8));
                    while (m.find()) {
                        fields++;
                        assertThat(resources).as("help for " + r + " " + m.group(1))
                                .contains(dir + "help-" + m.group(1) + ".html");
                    }
                }
            }
        }
        assertThat(fields).isGreaterThan(30);
    }
}
