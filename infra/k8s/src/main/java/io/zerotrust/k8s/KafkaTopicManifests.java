package io.zerotrust.k8s;

import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders one Strimzi {@code KafkaTopic} per topic of the typed topic registry ({@link Topics#all()}): the topic's
 * name in {@code spec.topicName}, its partitions, replication factor 3, {@code min.insync.replicas} 2 and the topic
 * configs of the registry ({@code cleanup.policy}, {@code retention.ms}). The result is
 * {@code infra/k8s/manifests/kafka/topics.yaml}; {@code KafkaTopicsTest} fails when that file and the registry differ.
 *
 * <p>Regenerate: {@code mvn -B -pl infra/k8s test -Dtest=KafkaTopicsTest -Dk8s.topics.write=true} (after
 * {@code mvn -B -q -pl infra/k8s -am install -DskipTests}), or run this class with the output file as its argument.
 */
public final class KafkaTopicManifests {

    /** The Strimzi {@code Kafka} resource the topics belong to (label {@code strimzi.io/cluster}). */
    public static final String CLUSTER = "zt-kafka";
    public static final int REPLICAS = 3;
    public static final int MIN_INSYNC_REPLICAS = 2;
    public static final String API_VERSION = "kafka.strimzi.io/v1";

    private KafkaTopicManifests() {
    }

    /**
     * The Kubernetes name of a topic's {@code KafkaTopic}: lower case, dots and underscores as dashes (a DNS-1123
     * label, so it is also valid where names may not contain dots).
     */
    public static String resourceName(String topic) {
        return topic.toLowerCase(Locale.ROOT).replace('.', '-').replace('_', '-');
    }

    /** The YAML of every topic in {@code topics}, one document each, in the given order. */
    public static String render(List<Topic<?, ?>> topics) {
        StringBuilder y = new StringBuilder();
        y.append("# Generated from the typed topic registry (schemas/src/main/java/io/zerotrust/schemas/topics/Topics.java)\n")
                .append("# by io.zerotrust.k8s.KafkaTopicManifests. Do not edit by hand: change the registry and regenerate\n")
                .append("# (infra/k8s/README.md). KafkaTopicsTest fails while this file and the registry differ.\n");
        String separator = "";
        for (Topic<?, ?> t : topics) {
            y.append(separator);
            separator = "---\n";
            y.append("# ").append(t.name()).append(": ").append(t.description()).append('\n')
                    .append("apiVersion: ").append(API_VERSION).append('\n')
                    .append("kind: KafkaTopic\n")
                    .append("metadata:\n")
                    .append("  name: ").append(resourceName(t.name())).append('\n')
                    .append("  labels:\n")
                    .append("    strimzi.io/cluster: ").append(CLUSTER).append('\n')
                    .append("spec:\n")
                    .append("  topicName: ").append(t.name()).append('\n')
                    .append("  partitions: ").append(t.partitions()).append('\n')
                    .append("  replicas: ").append(REPLICAS).append('\n')
                    .append("  config:\n");
            for (Map.Entry<String, String> c : t.configs().entrySet()) {
                y.append("    ").append(c.getKey()).append(": ").append(scalar(c.getValue())).append('\n');
            }
            y.append("    min.insync.replicas: ").append(MIN_INSYNC_REPLICAS).append('\n');
        }
        return y.toString();
    }

    /** Numbers as YAML numbers, everything else as a quoted string. */
    private static String scalar(String value) {
        return value.matches("-?\\d{1,18}") ? value : "\"" + value.replace("\"", "\\\"") + "\"";
    }

    /** Writes the KafkaTopics of {@link Topics#all()} to the file given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: KafkaTopicManifests <output file>  (infra/k8s/manifests/kafka/topics.yaml)");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.writeString(out, render(Topics.all()));
        System.out.println("wrote " + Topics.all().size() + " KafkaTopics to " + out);
    }
}
