package io.zerotrust.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks can fail: each test copies a real manifest with one mistake into a temporary file and expects the
 * validator (or the topic check) to reject it with a message that names the field and the file.
 */
class ValidatorCanFailTest {

    static ManifestValidator validator;

    @TempDir
    Path dir;

    @BeforeAll
    static void schemas() {
        validator = new ManifestValidator();
    }

    /** {@code manifest} with the first {@code from} replaced by {@code to}, written to {@code fileName}. */
    private Path broken(String manifest, String from, String to, String fileName) throws IOException {
        String text = Files.readString(Manifests.DIR.resolve(manifest));
        assertThat(text).as("%s contains %s", manifest, from).contains(from);
        Path file = dir.resolve(fileName);
        StringBuilder out = new StringBuilder();
        boolean replaced = false;
        for (String line : text.split("\n", -1)) {
            if (!replaced && !line.trim().startsWith("#") && line.contains(from)) {
                line = line.replace(from, to);
                replaced = true;
            }
            out.append(line).append('\n');
        }
        assertThat(replaced).as("%s has %s outside a comment", manifest, from).isTrue();
        Files.writeString(file, out.substring(0, out.length() - 1));
        return file;
    }

    private List<String> problems(Path file) {
        return validator.problems(Manifests.read(file));
    }

    @Test
    void aMisspeltFieldInADeploymentIsRejected() throws IOException {
        Path file = broken("gateway/deployment.yaml", "  replicas: 3", "  replicsa: 3", "deployment-misspelt.yaml");
        assertThat(problems(file)).singleElement().asString()
                .contains("deployment-misspelt.yaml").contains("Deployment zt-gateway")
                .contains("spec.replicsa").contains("unknown field 'replicsa'");
    }

    @Test
    void aMisspeltFieldDeepInAPodTemplateIsRejected() throws IOException {
        Path file = broken("gateway/deployment.yaml", "readinessProbe:", "readinesProbe:", "deployment-probe.yaml");
        assertThat(problems(file)).singleElement().asString().contains("deployment-probe.yaml")
                .contains("spec.template.spec.containers[0].readinesProbe").contains("unknown field 'readinesProbe'");
    }

    @Test
    void aWrongTypeInADeploymentIsRejected() throws IOException {
        Path file = broken("gateway/deployment.yaml", "  replicas: 3", "  replicas: \"3\"", "deployment-type.yaml");
        assertThat(problems(file)).singleElement().asString().contains("deployment-type.yaml").contains("spec.replicas");
        Path number = broken("gateway/deployment.yaml", "prometheus.io/port: \"9100\"", "prometheus.io/port: 9100",
                "deployment-label.yaml");
        assertThat(problems(number)).singleElement().asString().contains("deployment-label.yaml")
                .contains("prometheus.io/port");
    }

    @Test
    void aMisspeltFieldInAServiceAndAPodDisruptionBudgetIsRejected() throws IOException {
        Path service = broken("gateway/service.yaml", "targetPort: http", "targetport: http", "service-misspelt.yaml");
        assertThat(problems(service)).singleElement().asString().contains("service-misspelt.yaml")
                .contains("spec.ports[0].targetport");
        Path pdb = broken("ingest/pdb.yaml", "maxUnavailable: 1", "maxUnavailible: 1", "pdb-misspelt.yaml");
        assertThat(problems(pdb)).singleElement().asString().contains("pdb-misspelt.yaml")
                .contains("spec.maxUnavailible");
    }

    @Test
    void aMisspeltFieldInAFlinkDeploymentJobIsRejected() throws IOException {
        Path file = broken("flink/risk-engine.yaml", "upgradeMode: savepoint", "upgradMode: savepoint",
                "flink-misspelt.yaml");
        assertThat(problems(file)).singleElement().asString().contains("flink-misspelt.yaml")
                .contains("FlinkDeployment risk-engine").contains("spec.job.upgradMode")
                .contains("unknown field 'upgradMode'");
    }

    @Test
    void aFlinkDeploymentWithAWrongTypeOrValueIsRejected() throws IOException {
        Path parallelism = broken("flink/risk-engine.yaml", "    parallelism: 4", "    parallelism: four",
                "flink-type.yaml");
        assertThat(problems(parallelism)).singleElement().asString().contains("flink-type.yaml")
                .contains("spec.job.parallelism");
        Path mode = broken("flink/risk-engine.yaml", "upgradeMode: savepoint", "upgradeMode: checkpoint",
                "flink-enum.yaml");
        assertThat(problems(mode)).singleElement().asString().contains("spec.job.upgradeMode");
        Path config = broken("flink/risk-engine.yaml", "taskmanager.numberOfTaskSlots: \"2\"",
                "taskmanager.numberOfTaskSlots: 2", "flink-config.yaml");
        assertThat(problems(config)).singleElement().asString().contains("spec.flinkConfiguration");
        Path pod = broken("flink/risk-engine.yaml", "containerPort: 9249", "containerPrt: 9249", "flink-pod.yaml");
        assertThat(problems(pod)).anySatisfy(p -> assertThat(p).contains("flink-pod.yaml")
                .contains("containerPrt"));
    }

    @Test
    void aMisspeltFieldInAKafkaTopicIsRejected() throws IOException {
        Path file = broken("kafka/topics.yaml", "  partitions: 6", "  partition: 6", "topics-misspelt.yaml");
        assertThat(problems(file)).singleElement().asString().contains("topics-misspelt.yaml")
                .contains("KafkaTopic conn-events").contains("spec.partition").contains("unknown field 'partition'");
    }

    @Test
    void aMisspeltOrWrongFieldInTheKafkaClusterIsRejected() throws IOException {
        Path file = broken("kafka/kafka.yaml", "    topicOperator:", "    topicOperater:", "kafka-misspelt.yaml");
        assertThat(problems(file)).singleElement().asString().contains("kafka-misspelt.yaml")
                .contains("Kafka zt-kafka").contains("spec.entityOperator.topicOperater");
        Path roles = broken("kafka/kafka.yaml", "    - controller", "    - controler", "kafka-role.yaml");
        assertThat(problems(roles)).singleElement().asString().contains("kafka-role.yaml").contains("spec.roles");
        Path storage = broken("kafka/kafka.yaml", "type: persistent-claim", "type: persistent", "kafka-storage.yaml");
        assertThat(problems(storage)).isNotEmpty().allSatisfy(p -> assertThat(p).contains("kafka-storage.yaml"));
    }

    @Test
    void aFieldOfAnotherStrimziApiVersionIsRejected() throws IOException {
        // spec.kafka.replicas exists in kafka.strimzi.io/v1beta2 only (v1 takes the node pools' replicas)
        Path v1 = broken("kafka/kafka.yaml", "    listeners:", "    replicas: 3\n    listeners:", "kafka-v1.yaml");
        assertThat(problems(v1)).singleElement().asString().contains("kafka-v1.yaml").contains("spec.kafka.replicas")
                .contains("not part of API version v1");
    }

    @Test
    void anUnknownKindIsRejectedNotSkipped() throws IOException {
        Path file = broken("ingest/pdb.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgett",
                "unknown-kind.yaml");
        assertThat(problems(file)).singleElement().asString().contains("unknown-kind.yaml")
                .contains("no schema for apiVersion policy/v1 kind PodDisruptionBudgett");
    }

    @Test
    void anInvalidNameIsRejected() throws IOException {
        Path file = broken("kafka/topics.yaml", "  name: conn-events", "  name: conn_events", "topics-name.yaml");
        assertThat(problems(file)).singleElement().asString().contains("topics-name.yaml").contains("metadata.name");
    }

    @Test
    void aTopicThatDiffersFromTheRegistryIsReported() throws IOException {
        Path file = broken("kafka/topics.yaml", "  partitions: 6", "  partitions: 5", "topics-partitions.yaml");
        assertThat(TopicRegistryCheck.differences(Manifests.read(file), Topics.all())).singleElement().asString()
                .contains("topics-partitions.yaml").contains("topic conn.events").contains("spec.partitions is 5")
                .contains("the registry says 6");

        Path retention = broken("kafka/topics.yaml", "retention.ms: 604800000", "retention.ms: 86400000",
                "topics-retention.yaml");
        assertThat(TopicRegistryCheck.differences(Manifests.read(retention), Topics.all())).singleElement().asString()
                .contains("topic conn.events").contains("spec.config.retention.ms is 86400000");

        Path policy = broken("kafka/topics.yaml", "cleanup.policy: \"compact\"", "cleanup.policy: \"delete\"",
                "topics-policy.yaml");
        assertThat(TopicRegistryCheck.differences(Manifests.read(policy), Topics.all())).singleElement().asString()
                .contains("topic risk.scores").contains("spec.config.cleanup.policy is delete");

        Path name = broken("kafka/topics.yaml", "topicName: anomalies", "topicName: anomaly", "topics-name.yaml");
        assertThat(TopicRegistryCheck.differences(Manifests.read(name), Topics.all()))
                .anySatisfy(p -> assertThat(p).contains("topic anomalies of the registry").contains("no KafkaTopic"))
                .anySatisfy(p -> assertThat(p).contains("topics-name.yaml").contains("topic anomaly")
                        .contains("not in the registry"));
    }

    @Test
    void aMissingOrExtraTopicIsReported() throws IOException {
        List<Manifests.Doc> docs = Manifests.read(Manifests.DIR.resolve("kafka/topics.yaml"));
        assertThat(TopicRegistryCheck.differences(docs.subList(1, docs.size()), Topics.all())).singleElement()
                .asString().contains("topic conn.events of the registry (Topics.all()) has no KafkaTopic");

        Path extra = dir.resolve("topics-extra.yaml");
        Files.writeString(extra, Files.readString(Manifests.DIR.resolve("kafka/topics.yaml"))
                + "---\n" + KafkaTopicManifests.render(List.of(Topics.CONN_EVENTS))
                .replace("conn.events", "telemetry.raw.syslog").replace("conn-events", "telemetry-raw-syslog"));
        assertThat(TopicRegistryCheck.differences(Manifests.read(extra), Topics.all())).singleElement().asString()
                .contains("topics-extra.yaml").contains("KafkaTopic for topic telemetry.raw.syslog")
                .contains("not in the registry");
    }
}
