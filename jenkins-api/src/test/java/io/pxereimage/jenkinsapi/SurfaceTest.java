package io.pxereimage.jenkinsapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import hudson.Extension;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Lists every public and protected type and member of the stand-ins, with its full generic signature, and compares
 * the list with the checked-in {@code src/test/resources/surface.txt}, so that any change of the compile-time surface
 * the plugin builds against shows up in review.
 *
 * <p>After an intended change, regenerate the file and review its diff:
 * {@code mvn -o -pl jenkins-api test -Dtest=SurfaceTest -Dsurface.update=true} (or with {@code SURFACE_UPDATE=true}
 * in the environment).
 */
class SurfaceTest {

    private static final Path SURFACE_FILE = Paths.get("src/test/resources/surface.txt");

    @Test
    void surfaceMatchesTheCheckedInList() throws Exception {
        String actual = String.join("\n", surface()) + "\n";
        if (Boolean.getBoolean("surface.update") || "true".equals(System.getenv("SURFACE_UPDATE"))) {
            Files.writeString(SURFACE_FILE, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(SURFACE_FILE).as("checked-in surface list; see this test's comment to regenerate it").exists();
        List<String> expected = Files.readAllLines(SURFACE_FILE, StandardCharsets.UTF_8);
        List<String> now = List.of(actual.split("\n"));
        if (!expected.equals(now)) {
            Set<String> removed = new LinkedHashSet<>(expected);
            now.forEach(removed::remove);
            Set<String> added = new LinkedHashSet<>(now);
            expected.forEach(added::remove);
            fail("The stand-ins' surface changed (regenerate with -Dsurface.update=true if intended).\n"
                    + "only in surface.txt:\n" + listing(removed) + "only in the compiled stand-ins:\n" + listing(added)
                    + "(same lines, other order: " + (removed.isEmpty() && added.isEmpty()) + ")");
        }
    }

    private static String listing(Set<String> lines) {
        return lines.isEmpty() ? "  (none)\n" : lines.stream().map(l -> "  " + l + "\n").collect(Collectors.joining());
    }

    @Test
    void surfaceCoversTheTypesThePluginNeeds() throws Exception {
        // a guard on the lister itself: it must see nested types, generics, throws and defaults
        List<String> lines = surface();
        assertThat(lines).contains(
                "type public abstract class hudson.slaves.Cloud extends hudson.model.Actionable"
                        + " implements hudson.ExtensionPoint, hudson.model.Describable<hudson.slaves.Cloud>,"
                        + " hudson.security.AccessControlled",
                "  method public java.util.Collection<hudson.slaves.NodeProvisioner$PlannedNode>"
                        + " provision(hudson.slaves.Cloud$CloudState, int)",
                "type public static final class hudson.slaves.Cloud$CloudState extends java.lang.Object",
                "  method protected abstract void _terminate(hudson.model.TaskListener)"
                        + " throws java.io.IOException, java.lang.InterruptedException",
                "  element double ordinal() default 0.0");
    }

    /** The deterministic text: one line per type, then its members, types sorted by name, members by text. */
    static List<String> surface() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Paths.get(Extension.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(classes)) {
            names = files.map(classes::relativize)
                    .map(Path::toString)
                    .filter(p -> p.endsWith(".class") && !p.equals("module-info.class"))
                    .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
                    .sorted()
                    .collect(Collectors.toList());
        }
        List<String> out = new ArrayList<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, SurfaceTest.class.getClassLoader());
            if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic() || !visible(type.getModifiers())
                    || !enclosingVisible(type)) {
                continue;
            }
            for (Annotation a : sortedAnnotations(type.getDeclaredAnnotations())) {
                out.add("@" + annotation(a) + " on " + type.getName());
            }
            out.add("type " + typeLine(type));
            List<String> members = new ArrayList<>();
            for (Field f : type.getDeclaredFields()) {
                if (!f.isSynthetic() && visible(f.getModifiers())) {
                    members.add("  field " + mods(f.getModifiers() & Modifier.fieldModifiers()) + typeName(f.getGenericType())
                            + " " + f.getName());
                }
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (!c.isSynthetic() && visible(c.getModifiers())) {
                    members.add("  constructor " + mods(c.getModifiers() & Modifier.constructorModifiers())
                            + typeParams(c.getTypeParameters()) + type.getSimpleName() + params(c) + exceptions(c));
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                if (m.isSynthetic() || m.isBridge() || !visible(m.getModifiers())) {
                    continue;
                }
                if (type.isAnnotation()) {
                    Object dflt = m.getDefaultValue();
                    members.add("  element " + typeName(m.getGenericReturnType()) + " " + m.getName() + "()"
                            + (dflt == null ? "" : " default " + value(dflt)));
                    continue;
                }
                members.add("  method " + mods(m.getModifiers() & Modifier.methodModifiers())
                        + (m.isDefault() ? "default " : "") + typeParams(m.getTypeParameters())
                        + typeName(m.getGenericReturnType()) + " " + m.getName() + params(m) + exceptions(m));
            }
            members.sort(null);
            out.addAll(members);
        }
        return out;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static boolean enclosingVisible(Class<?> type) {
        for (Class<?> c = type.getEnclosingClass(); c != null; c = c.getEnclosingClass()) {
            if (!visible(c.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static String typeLine(Class<?> type) {
        String kind = type.isAnnotation() ? "@interface" : type.isInterface() ? "interface" : type.isEnum() ? "enum" : "class";
        int mask = type.isInterface() ? Modifier.interfaceModifiers() : Modifier.classModifiers();
        int mods = type.getModifiers() & mask;
        if (type.isInterface()) {
            mods &= ~Modifier.ABSTRACT; // implicit
        }
        StringBuilder line = new StringBuilder(mods(mods)).append(kind).append(' ').append(type.getName())
                .append(typeParams(type.getTypeParameters()).trim());
        Type superclass = type.getGenericSuperclass();
        if (superclass != null) {
            line.append(" extends ").append(typeName(superclass));
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            line.append(type.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(interfaces).map(SurfaceTest::typeName).collect(Collectors.joining(", ")));
        }
        return line.toString();
    }

    private static String mods(int modifiers) {
        String s = Modifier.toString(modifiers);
        return s.isEmpty() ? "" : s + " ";
    }

    private static String typeParams(TypeVariable<?>[] vars) {
        if (vars.length == 0) {
            return "";
        }
        return Arrays.stream(vars).map(v -> {
            List<Type> bounds = Arrays.stream(v.getBounds()).filter(b -> b != Object.class).collect(Collectors.toList());
            return bounds.isEmpty() ? v.getName()
                    : v.getName() + " extends " + bounds.stream().map(SurfaceTest::typeName).collect(Collectors.joining(" & "));
        }).collect(Collectors.joining(", ", "<", "> "));
    }

    private static String params(Executable e) {
        Type[] types = e.getGenericParameterTypes();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            String t = typeName(types[i]);
            if (e.isVarArgs() && i == types.length - 1 && t.endsWith("[]")) {
                t = t.substring(0, t.length() - 2) + "...";
            }
            out.add(t);
        }
        return "(" + String.join(", ", out) + ")";
    }

    private static String exceptions(Executable e) {
        Type[] thrown = e.getGenericExceptionTypes();
        return thrown.length == 0 ? ""
                : " throws " + Arrays.stream(thrown).map(SurfaceTest::typeName).collect(Collectors.joining(", "));
    }

    /** Like {@link Type#getTypeName()}, spelled out so that the text does not depend on the JDK's formatting. */
    private static String typeName(Type t) {
        if (t instanceof Class<?> c) {
            return c.isArray() ? typeName(c.getComponentType()) + "[]" : c.getName();
        }
        if (t instanceof ParameterizedType p) {
            String args = Arrays.stream(p.getActualTypeArguments()).map(SurfaceTest::typeName).collect(Collectors.joining(", "));
            return typeName(p.getRawType()) + "<" + args + ">";
        }
        if (t instanceof GenericArrayType g) {
            return typeName(g.getGenericComponentType()) + "[]";
        }
        if (t instanceof WildcardType w) {
            if (w.getLowerBounds().length > 0) {
                return "? super " + typeName(w.getLowerBounds()[0]);
            }
            Type[] upper = w.getUpperBounds();
            return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + typeName(upper[0]);
        }
        if (t instanceof TypeVariable<?> v) {
            return v.getName();
        }
        return t.getTypeName();
    }

    private static List<Annotation> sortedAnnotations(Annotation[] annotations) {
        List<Annotation> list = new ArrayList<>(Arrays.asList(annotations));
        list.sort((a, b) -> a.annotationType().getName().compareTo(b.annotationType().getName()));
        return list;
    }

    private static String annotation(Annotation a) {
        List<String> elements = new ArrayList<>();
        Method[] methods = a.annotationType().getDeclaredMethods();
        Arrays.sort(methods, (x, y) -> x.getName().compareTo(y.getName()));
        for (Method m : methods) {
            try {
                elements.add(m.getName() + "=" + value(m.invoke(a)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return a.annotationType().getName() + (elements.isEmpty() ? "" : "(" + String.join(", ", elements) + ")");
    }

    private static String value(Object v) {
        if (v instanceof Object[] array) {
            return Arrays.stream(array).map(SurfaceTest::value).collect(Collectors.joining(", ", "{", "}"));
        }
        if (v instanceof Enum<?> e) {
            return e.getDeclaringClass().getName() + "." + e.name();
        }
        if (v instanceof Class<?> c) {
            return c.getName() + ".class";
        }
        if (v instanceof Annotation a) {
            return "@" + annotation(a);
        }
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(v);
    }
}
