package io.zerotrust.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The OpenAPI v3 schema of {@code FlinkDeployment.spec} (flink.apache.org/v1beta1) from the CRD that the Flink
 * Kubernetes Operator publishes in its API artifact ({@code org.apache.flink:flink-kubernetes-operator-api}, file
 * {@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml}), checked with a JSON Schema validator.
 *
 * <p>Two changes make it as strict as the API server with {@code kubectl apply} (field validation "Strict"): every
 * object schema that lists its properties and allows no others by {@code x-kubernetes-preserve-unknown-fields} gets
 * {@code additionalProperties: false}, so an unknown or misspelt field is an error instead of being pruned; and the
 * {@code flinkVersion} enum of the newest operator API on Maven Central (1.10.0, which ends at {@code v1_20}) is
 * extended by the values later operators added for Flink 2 ({@link #FLINK_2_VERSIONS}). Nothing else is changed.
 */
final class FlinkDeploymentSchema {

    static final String CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    static final String VERSION = "v1beta1";
    /** v2_0 (operator 1.11), v2_1 (1.13), v2_2 (1.15): not in the 1.10.0 CRD. */
    static final List<String> FLINK_2_VERSIONS = List.of("v2_0", "v2_1", "v2_2");

    private final Schema spec;
    private final JsonNode specSchema;

    FlinkDeploymentSchema() {
        JsonNode crd;
        try (InputStream in = FlinkDeploymentSchema.class.getClassLoader().getResourceAsStream(CRD)) {
            if (in == null) {
                throw new IllegalStateException(CRD + " is not on the test classpath: the dependency "
                        + "org.apache.flink:flink-kubernetes-operator-api provides it");
            }
            crd = Manifests.YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode version = null;
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (VERSION.equals(v.path("name").asText())) {
                version = v;
            }
        }
        if (version == null) {
            throw new IllegalStateException(CRD + " has no version " + VERSION);
        }
        ObjectNode schema = (ObjectNode) version.path("schema").path("openAPIV3Schema").path("properties")
                .path("spec").deepCopy();
        close(schema);
        ArrayNode flinkVersions = (ArrayNode) schema.path("properties").path("flinkVersion").path("enum");
        FLINK_2_VERSIONS.forEach(v -> {
            if (!flinkVersions.toString().contains("\"" + v + "\"")) {
                flinkVersions.add(v);
            }
        });
        this.specSchema = schema;
        this.spec = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(schema);
    }

    /** The {@code flinkVersion} values this schema accepts. */
    List<String> flinkVersions() {
        List<String> out = new ArrayList<>();
        specSchema.path("properties").path("flinkVersion").path("enum").forEach(v -> out.add(v.asText()));
        return out;
    }

    /** Problems of a FlinkDeployment's {@code spec}, each starting with the field's path ({@code spec.job}). */
    List<String> problems(JsonNode specNode) {
        List<String> out = new ArrayList<>();
        for (Error e : spec.validate(specNode)) {
            String at = "spec" + dotted(e.getInstanceLocation().toString());
            String message = e.getMessage();
            if ("additionalProperties".equals(e.getKeyword()) && e.getProperty() != null) {
                out.add(at + "." + e.getProperty() + ": unknown field '" + e.getProperty() + "' (" + message + ")");
            } else {
                out.add(at + ": " + message);
            }
        }
        return out;
    }

    /** {@code /job/args/0} (a JSON pointer) → {@code .job.args[0]} */
    static String dotted(String pointer) {
        StringBuilder out = new StringBuilder();
        for (String segment : pointer.split("/")) {
            if (segment.isEmpty() || segment.equals("$")) {
                continue;
            }
            String s = segment.replace("~1", "/").replace("~0", "~");
            out.append(s.matches("\\d+") ? "[" + s + "]" : "." + s);
        }
        return out.toString();
    }

    /** additionalProperties: false on every object schema with properties that does not preserve unknown fields. */
    private static void close(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties") && !o.has("additionalProperties")
                    && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            // Kubernetes' own keywords are no JSON Schema validation keywords (the int-or-string fields also carry anyOf)
            o.remove(List.of("x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
                    "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                    "x-kubernetes-map-type"));
            for (Iterator<JsonNode> it = o.elements(); it.hasNext(); ) {
                close(it.next());
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(FlinkDeploymentSchema::close);
        }
    }
}
