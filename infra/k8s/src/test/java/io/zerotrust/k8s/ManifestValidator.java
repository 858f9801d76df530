package io.zerotrust.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks each manifest document against the published schema of its kind:
 * <ul>
 *   <li>core Kubernetes kinds: fabric8's Kubernetes model ({@code io.fabric8:kubernetes-model-*}), strictly
 *       ({@link StrictModel});</li>
 *   <li>Strimzi's {@code Kafka}, {@code KafkaNodePool} and {@code KafkaTopic} (kafka.strimzi.io/v1 and v1beta2):
 *       Strimzi's API model ({@code io.strimzi:api}), strictly and per API version;</li>
 *   <li>{@code FlinkDeployment} (flink.apache.org/v1beta1): the operator's published CRD schema
 *       ({@link FlinkDeploymentSchema}), its metadata with fabric8's {@code ObjectMeta}.</li>
 * </ul>
 * A kind with no schema here is an error, not a pass. Every problem names the file, the document and the field.
 */
final class ManifestValidator {

    private static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
            Map.entry("kafka.strimzi.io/v1/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1beta2/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class));

    static final String FLINK_DEPLOYMENT = "flink.apache.org/v1beta1/FlinkDeployment";

    /** Kubernetes object names: a DNS-1123 subdomain (RFC 1123), at most 253 characters. */
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final FlinkDeploymentSchema flink = new FlinkDeploymentSchema();

    /** Every kind this validator knows, as {@code apiVersion/kind}. */
    static Set<String> knownKinds() {
        Set<String> kinds = new java.util.TreeSet<>(MODELS.keySet());
        kinds.add(FLINK_DEPLOYMENT);
        return kinds;
    }

    FlinkDeploymentSchema flinkSchema() {
        return flink;
    }

    /** The problems of one document, each prefixed with the file, the document and the kind and name. */
    List<String> problems(Manifests.Doc doc) {
        List<String> raw = new ArrayList<>();
        JsonNode n = doc.node();
        String key = doc.apiVersion() + "/" + doc.kind();
        if (!n.isObject()) {
            raw.add("(document): not a mapping");
        } else if (doc.apiVersion() == null || doc.kind() == null) {
            raw.add("(document): apiVersion and kind are required");
        } else if (MODELS.containsKey(key)) {
            raw.addAll(StrictModel.problems(n, MODELS.get(key), doc.apiVersion()));
        } else if (key.equals(FLINK_DEPLOYMENT)) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!List.of("apiVersion", "kind", "metadata", "spec").contains(f)) {
                    raw.add(f + ": unknown field '" + f + "' (a FlinkDeployment has apiVersion, kind, metadata, spec)");
                }
            }
            raw.addAll(StrictModel.problems(n.path("metadata"), ObjectMeta.class, doc.apiVersion(), "metadata"));
            if (!n.has("spec")) {
                raw.add("spec: required field 'spec' is missing");
            } else {
                raw.addAll(flink.problems(n.path("spec")));
            }
        } else {
            raw.add("(document): no schema for apiVersion " + doc.apiVersion() + " kind " + doc.kind()
                    + "; known: " + knownKinds());
        }
        String name = doc.name();
        if (name == null || name.isEmpty()) {
            raw.add("metadata.name: required field 'name' is missing");
        } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            raw.add("metadata.name: '" + name + "' is not a valid Kubernetes name (lower case letters, digits, '-' "
                    + "and '.', starting and ending with a letter or digit)");
        }
        if (n.path("metadata").has("namespace")) {
            raw.add("metadata.namespace: leave the namespace to kustomization.yaml (or kubectl -n)");
        }
        List<String> out = new ArrayList<>();
        raw.forEach(p -> out.add(doc.label() + ": " + p));
        return out;
    }

    /** The problems of every document. */
    List<String> problems(List<Manifests.Doc> docs) {
        List<String> out = new ArrayList<>();
        docs.forEach(d -> out.addAll(problems(d)));
        return out;
    }
}
