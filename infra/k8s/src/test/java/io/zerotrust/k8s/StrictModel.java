package io.zerotrust.k8s;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.strimzi.crdgenerator.annotations.PresentInVersions;
import io.strimzi.crdgenerator.annotations.RequiredInVersions;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a YAML document against a published Java model of its kind (fabric8's Kubernetes model, Strimzi's API model):
 * it must bind to the model without a type coercion the API server would refuse (a string where a number belongs, a
 * number where a string belongs), and every field of the document must be a property of the model. Both models keep
 * unknown fields in an "additional properties" map instead of failing, so binding alone accepts a misspelt field:
 * this class walks the document beside the bound object and reports every field the model does not declare, with its
 * path. Strimzi properties marked for some API versions only ({@link PresentInVersions}) are refused in the others,
 * and properties required in the document's version ({@link RequiredInVersions}, {@code @JsonProperty(required)})
 * must be there.
 */
final class StrictModel {

    static final ObjectMapper MAPPER = strictMapper();

    private StrictModel() {
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // Kubernetes refuses 8080 where a string belongs (an env value, a label, ConfigMap data); so does this mapper
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    /**
     * The problems of {@code node} as a {@code type}, each starting with the field's path ({@code spec.replicas}).
     * {@code apiVersion} is the document's (e.g. {@code kafka.strimzi.io/v1}); its version part selects the Strimzi
     * properties that exist.
     */
    static List<String> problems(JsonNode node, Class<?> type, String apiVersion) {
        return problems(node, type, apiVersion, "");
    }

    static List<String> problems(JsonNode node, Class<?> type, String apiVersion, String rootPath) {
        List<String> out = new ArrayList<>();
        Object bound;
        try {
            bound = MAPPER.treeToValue(node, type);
        } catch (JsonMappingException e) {
            out.add(join(rootPath, path(e)) + ": " + e.getOriginalMessage());
            return out;
        } catch (Exception e) {
            out.add((rootPath.isEmpty() ? "(document)" : rootPath) + ": " + e.getMessage());
            return out;
        }
        walk(node, bound, rootPath, version(apiVersion), out);
        return out;
    }

    private static String path(JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                p.append(p.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                p.append('[').append(r.getIndex()).append(']');
            }
        }
        return p.toString();
    }

    private static String join(String parent, String child) {
        if (parent.isEmpty()) {
            return child.isEmpty() ? "(document)" : child;
        }
        return child.isEmpty() ? parent : child.startsWith("[") ? parent + child : parent + "." + child;
    }

    private static void walk(JsonNode node, Object value, String path, String version, List<String> out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        if (value == null) {
            // Strimzi's enums read a value they do not know as null instead of failing
            out.add(path + ": " + node + " is not a value this field accepts");
            return;
        }
        if (value instanceof Enum<?> e && node.isTextual()) {
            String canonical = MAPPER.valueToTree(e).asText();
            if (!canonical.equals(node.asText())) {
                List<String> allowed = new ArrayList<>();
                for (Object c : e.getDeclaringClass().getEnumConstants()) {
                    allowed.add(MAPPER.valueToTree(c).asText());
                }
                out.add(path + ": '" + node.asText() + "' is not one of " + allowed);
            }
            return;
        }
        if (node.isArray()) {
            List<?> items = value instanceof List<?> l ? l : value instanceof Object[] a ? List.of(a) : null;
            if (items == null) {
                return;
            }
            for (int i = 0; i < node.size() && i < items.size(); i++) {
                walk(node.get(i), items.get(i), path + "[" + i + "]", version, out);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                walk(f.getValue(), map.get(f.getKey()), join(path, f.getKey()), version, out);
            }
            return;
        }
        Class<?> type = value.getClass();
        if (type.getName().startsWith("java.")) {
            return;
        }
        Map<String, BeanPropertyDefinition> properties = properties(type);
        String typeProperty = typeIdProperty(type);
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String name = f.getKey();
            String fieldPath = join(path, name);
            BeanPropertyDefinition p = properties.get(name);
            if (p == null) {
                if (!name.equals(typeProperty)) {
                    out.add(fieldPath + ": unknown field '" + name + "' (" + type.getSimpleName() + " has: "
                            + String.join(", ", new TreeSet<>(properties.keySet())) + ")");
                }
                continue;
            }
            PresentInVersions present = annotation(p, PresentInVersions.class);
            if (present != null && version != null && !inRange(version, present.value())) {
                out.add(fieldPath + ": field '" + name + "' is not part of API version " + version
                        + " (only in " + present.value() + ")");
                continue;
            }
            AnnotatedMember accessor = p.getAccessor() != null ? p.getAccessor() : p.getField();
            if (accessor == null) {
                continue;
            }
            Object child;
            try {
                accessor.fixAccess(true);
                child = accessor.getValue(value);
            } catch (RuntimeException e) {
                continue;
            }
            walk(f.getValue(), child, fieldPath, version, out);
        }
        for (BeanPropertyDefinition p : properties.values()) {
            RequiredInVersions required = annotation(p, RequiredInVersions.class);
            boolean needed = p.isRequired() || required != null && version != null && inRange(version, required.value());
            if (needed && !node.has(p.getName())) {
                out.add(join(path, p.getName()) + ": required field '" + p.getName() + "' is missing");
            }
        }
    }

    private static final Map<Class<?>, Map<String, BeanPropertyDefinition>> PROPERTIES = new LinkedHashMap<>();

    @SuppressWarnings("deprecation")
    private static synchronized Map<String, BeanPropertyDefinition> properties(Class<?> type) {
        return PROPERTIES.computeIfAbsent(type, t -> {
            BeanDescription d = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(t));
            Map<String, BeanPropertyDefinition> byName = new LinkedHashMap<>();
            for (BeanPropertyDefinition p : d.findProperties()) {
                // the models' catch-all for unknown fields is not a field of the schema
                if (!p.getName().equals("additionalProperties")
                        && (p.hasSetter() || p.hasField() || p.hasConstructorParameter() || p.hasGetter())) {
                    byName.put(p.getName(), p);
                }
            }
            return byName;
        });
    }

    /** The property that names a polymorphic type's subtype ({@code type: persistent-claim}), if any. */
    private static String typeIdProperty(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            JsonTypeInfo info = c.getAnnotation(JsonTypeInfo.class);
            if (info != null) {
                return info.property().isEmpty() ? info.use().getDefaultPropertyName() : info.property();
            }
            for (Class<?> i : c.getInterfaces()) {
                JsonTypeInfo ii = i.getAnnotation(JsonTypeInfo.class);
                if (ii != null) {
                    return ii.property().isEmpty() ? ii.use().getDefaultPropertyName() : ii.property();
                }
            }
        }
        return null;
    }

    private static <A extends java.lang.annotation.Annotation> A annotation(BeanPropertyDefinition p, Class<A> a) {
        for (AnnotatedMember m : new AnnotatedMember[] {p.getGetter(), p.getSetter(), p.getField()}) {
            AnnotatedElement e = m == null ? null : m.getAnnotated();
            if (e != null && e.getAnnotation(a) != null) {
                return e.getAnnotation(a);
            }
        }
        return null;
    }

    /** {@code kafka.strimzi.io/v1} → {@code v1}; {@code v1} → {@code v1}. */
    static String version(String apiVersion) {
        if (apiVersion == null) {
            return null;
        }
        return apiVersion.substring(apiVersion.lastIndexOf('/') + 1);
    }

    private static final Pattern VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

    /** Kubernetes API version order: v1alpha1 < v1beta1 < v1beta2 < v1 < v2alpha1 < ... */
    static int compareVersions(String a, String b) {
        long[] x = rank(a);
        long[] y = rank(b);
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) {
                return Long.compare(x[i], y[i]);
            }
        }
        return 0;
    }

    private static long[] rank(String v) {
        Matcher m = VERSION.matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an API version: " + v);
        }
        long stability = m.group(2) == null ? 2 : m.group(2).equals("beta") ? 1 : 0;
        return new long[] {Long.parseLong(m.group(1)), stability, m.group(3) == null ? 0 : Long.parseLong(m.group(3))};
    }

    /** Strimzi's version ranges: {@code v1beta2}, {@code v1+}, {@code v1alpha1-v1beta2}, comma-separated. */
    static boolean inRange(String version, String ranges) {
        for (String r : ranges.split(",")) {
            r = r.trim();
            if (r.endsWith("+")) {
                if (compareVersions(version, r.substring(0, r.length() - 1)) >= 0) {
                    return true;
                }
            } else if (r.contains("-")) {
                String[] ends = r.split("-", 2);
                if (compareVersions(version, ends[0]) >= 0 && compareVersions(version, ends[1]) <= 0) {
                    return true;
                }
            } else if (compareVersions(version, r) == 0) {
                return true;
            }
        }
        return false;
    }

    static String describe(List<String> problems) {
        return problems.stream().collect(Collectors.joining("\n  ", "\n  ", ""));
    }
}
