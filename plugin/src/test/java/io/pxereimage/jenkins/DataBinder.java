package io.pxereimage.jenkins;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import hudson.util.Secret;

/**
 * Our own data binding, done the way Configuration as Code does it: an object is created through its
 * {@code @DataBoundConstructor} (parameters by their compiled names, so {@code -parameters} matters) and the
 * remaining attributes are set through {@code @DataBoundSetter}s; an unknown attribute is an error. A type is named
 * by the {@code @Symbol} of its descriptor. Export is the reverse, leaving out what equals the value of an object
 * built from the same constructor arguments (a default), as JCasC's export does.
 */
final class DataBinder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final List<Class<?>> symbolTypes;

    DataBinder(Class<?>... symbolTypes) {
        this.symbolTypes = List.of(symbolTypes);
    }

    static Optional<String> symbolOf(Class<?> type) {
        return Arrays.stream(type.getDeclaredClasses()).map(c -> c.getAnnotation(Symbol.class))
                .filter(Objects::nonNull).map(s -> s.value()[0]).findFirst();
    }

    /** {@code {symbol: {attributes}}} to an object of the type whose descriptor has that symbol. */
    Object fromSymbol(JsonNode node) {
        if (!node.isObject() || node.size() != 1) {
            throw new IllegalArgumentException("expected {symbol: attributes}, not " + node);
        }
        Map.Entry<String, JsonNode> e = node.fields().next();
        Class<?> type = symbolTypes.stream().filter(t -> symbolOf(t).orElse("").equals(e.getKey())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no type with symbol " + e.getKey()));
        return bind(type, e.getValue());
    }

    ObjectNode toSymbol(Object o) {
        ObjectNode n = NODES.objectNode();
        n.set(symbolOf(o.getClass()).orElseThrow(() -> new IllegalArgumentException(o.getClass() + ": no symbol")),
                export(o));
        return n;
    }

    static Constructor<?> dataBoundConstructor(Class<?> type) {
        List<Constructor<?>> cs = Arrays.stream(type.getConstructors())
                .filter(c -> c.isAnnotationPresent(DataBoundConstructor.class)).toList();
        if (cs.size() != 1) {
            throw new IllegalArgumentException(type.getName() + ": needs exactly one public @DataBoundConstructor");
        }
        return cs.get(0);
    }

    static Optional<Method> setter(Class<?> type, String attribute) {
        String name = "set" + Character.toUpperCase(attribute.charAt(0)) + attribute.substring(1);
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name) && m.getParameterCount() == 1
                && m.isAnnotationPresent(DataBoundSetter.class)).findFirst();
    }

    static Object get(Object o, String attribute) {
        String cap = Character.toUpperCase(attribute.charAt(0)) + attribute.substring(1);
        for (String name : List.of("get" + cap, "is" + cap)) {
            try {
                return o.getClass().getMethod(name).invoke(o);
            } catch (NoSuchMethodException e) {
                continue;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return o.getClass().getField(attribute).get(o); // a public field, as Cloud.name (JCasC reads those too)
        } catch (NoSuchFieldException e) {
            // none either
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException(o.getClass().getName() + ": no getter for " + attribute
                + " (export needs one for every bound attribute)");
    }

    <T> T bind(Class<T> type, JsonNode attributes) {
        if (!attributes.isObject()) {
            throw new IllegalArgumentException(type.getSimpleName() + ": expected attributes, not " + attributes);
        }
        Constructor<?> c = dataBoundConstructor(type);
        Parameter[] ps = c.getParameters();
        Object[] args = new Object[ps.length];
        Set<String> used = new HashSet<>();
        for (int i = 0; i < ps.length; i++) {
            if (!ps[i].isNamePresent()) {
                throw new IllegalStateException(type.getName() + ": parameter names not compiled in (-parameters)");
            }
            String name = ps[i].getName();
            used.add(name);
            args[i] = convert(ps[i].getParameterizedType(), attributes.get(name), type.getSimpleName() + "." + name);
        }
        Object o;
        try {
            o = c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + ": " + e.getCause(), e);
        }
        for (Iterator<String> it = attributes.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (used.contains(name)) {
                continue;
            }
            Method m = setter(type, name).orElseThrow(() -> new IllegalArgumentException(type.getSimpleName()
                    + ": unknown attribute '" + name + "'"));
            try {
                m.invoke(o, convert(m.getGenericParameterTypes()[0], attributes.get(name),
                        type.getSimpleName() + "." + name));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type.getName() + "." + name + ": " + e.getCause(), e);
            }
        }
        return type.cast(o);
    }

    Object convert(Type t, JsonNode v, String where) {
        Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
        if (v == null || v.isNull()) {
            if (raw == int.class) {
                return 0;
            }
            return raw == boolean.class ? false : null;
        }
        if (raw == String.class) {
            return v.asText();
        }
        if (raw == int.class || raw == Integer.class) {
            if (!v.canConvertToInt() && !(v.isTextual() && v.asText().matches("-?\\d+"))) {
                throw new IllegalArgumentException(where + ": not a number: " + v);
            }
            return v.isTextual() ? Integer.parseInt(v.asText()) : v.asInt();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return v.isBoolean() ? v.asBoolean() : Boolean.parseBoolean(v.asText());
        }
        if (raw == Secret.class) {
            return Secret.fromString(v.asText());
        }
        if (List.class.isAssignableFrom(raw)) {
            Type item = ((ParameterizedType) t).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            v.forEach(x -> out.add(convert(item, x, where + "[]")));
            return out;
        }
        if (!Modifier.isAbstract(raw.getModifiers())) {
            return bind(raw, v);
        }
        throw new IllegalArgumentException(where + ": cannot bind " + t);
    }

    /** The attributes of {@code o}: constructor parameters always, setters when not the default. */
    ObjectNode export(Object o) {
        Class<?> type = o.getClass();
        Constructor<?> c = dataBoundConstructor(type);
        ObjectNode n = NODES.objectNode();
        Object[] args = new Object[c.getParameterCount()];
        int i = 0;
        for (Parameter p : c.getParameters()) {
            Object value = get(o, p.getName());
            args[i++] = value;
            n.set(p.getName(), toNode(value));
        }
        Object defaults;
        try {
            defaults = c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        for (Method m : type.getMethods()) {
            if (!m.isAnnotationPresent(DataBoundSetter.class) || !m.getName().startsWith("set")) {
                continue;
            }
            String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            JsonNode value = toNode(get(o, name));
            if (!value.equals(toNode(get(defaults, name)))) {
                n.set(name, value);
            }
        }
        return n;
    }

    JsonNode toNode(Object v) {
        if (v == null) {
            return NODES.nullNode();
        } else if (v instanceof String s) {
            return NODES.textNode(s);
        } else if (v instanceof Integer x) {
            return NODES.numberNode(x);
        } else if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (v instanceof Secret s) {
            return NODES.textNode(Secret.toString(s)); // JCasC exports the encrypted form; the stand-in has none
        } else if (v instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            l.forEach(x -> a.add(toNode(x)));
            return a;
        }
        return export(v);
    }
}
