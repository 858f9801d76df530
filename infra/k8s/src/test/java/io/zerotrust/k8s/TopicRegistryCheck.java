package io.zerotrust.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.zerotrust.schemas.topics.Topic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares the {@code KafkaTopic}s of the manifests with the typed topic registry: one KafkaTopic per registry topic,
 * with its name, partitions, cleanup policy and retention, replication factor 3 and {@code min.insync.replicas} 2,
 * in the Strimzi cluster of the manifests; and no KafkaTopic for a topic the registry does not have.
 */
final class TopicRegistryCheck {

    private TopicRegistryCheck() {
    }

    static List<String> differences(List<Manifests.Doc> docs, List<Topic<?, ?>> registry) {
        List<String> out = new ArrayList<>();
        Map<String, Manifests.Doc> byTopic = new LinkedHashMap<>();
        for (Manifests.Doc d : Manifests.ofKind(docs, "KafkaTopic")) {
            String topic = d.node().path("spec").path("topicName").asText(d.name());
            Manifests.Doc before = byTopic.put(topic, d);
            if (before != null) {
                out.add(d.label() + ": topic " + topic + " has a second KafkaTopic (the first: " + before.label() + ")");
            }
        }
        for (Topic<?, ?> t : registry) {
            Manifests.Doc d = byTopic.remove(t.name());
            if (d == null) {
                out.add("topic " + t.name() + " of the registry (Topics.all()) has no KafkaTopic in the manifests; "
                        + "regenerate kafka/topics.yaml (infra/k8s/README.md)");
                continue;
            }
            JsonNode spec = d.node().path("spec");
            String at = d.label() + ": topic " + t.name() + ": ";
            if (!spec.path("topicName").isTextual()) {
                out.add(at + "spec.topicName is missing (the KafkaTopic's name is not the topic's)");
            }
            String expectedName = KafkaTopicManifests.resourceName(t.name());
            if (!expectedName.equals(d.name())) {
                out.add(at + "metadata.name is " + d.name() + ", the generator names it " + expectedName);
            }
            compare(out, at, "spec.partitions", spec.path("partitions"), Integer.toString(t.partitions()));
            compare(out, at, "spec.replicas", spec.path("replicas"), Integer.toString(KafkaTopicManifests.REPLICAS));
            JsonNode config = spec.path("config");
            for (Map.Entry<String, String> c : t.configs().entrySet()) {
                compare(out, at, "spec.config." + c.getKey(), config.path(c.getKey()), c.getValue());
            }
            if (!t.configs().containsKey("retention.ms") && config.has("retention.ms")) {
                out.add(at + "spec.config.retention.ms is " + config.path("retention.ms").asText()
                        + ", the registry has no retention for this " + t.cleanupPolicy().config() + " topic");
            }
            compare(out, at, "spec.config.min.insync.replicas", config.path("min.insync.replicas"),
                    Integer.toString(KafkaTopicManifests.MIN_INSYNC_REPLICAS));
            String cluster = d.node().path("metadata").path("labels").path("strimzi.io/cluster").asText(null);
            if (!KafkaTopicManifests.CLUSTER.equals(cluster)) {
                out.add(at + "metadata.labels.strimzi.io/cluster is " + cluster + ", not " + KafkaTopicManifests.CLUSTER);
            }
        }
        byTopic.forEach((topic, d) -> out.add(d.label() + ": KafkaTopic for topic " + topic
                + ", which is not in the registry (Topics.all()); add it there or remove the KafkaTopic"));
        return out;
    }

    private static void compare(List<String> out, String at, String field, JsonNode actual, String expected) {
        String value = actual.isMissingNode() || actual.isNull() ? null : actual.asText();
        if (!Objects.equals(value, expected)) {
            out.add(at + field + " is " + (value == null ? "missing" : value) + ", the registry says " + expected);
        }
    }
}
