package io.zerotrust.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KafkaTopics of the manifests are the topic registry's. With {@code -Dk8s.topics.write=true} the test writes
 * {@code manifests/kafka/topics.yaml} from the registry first (the regeneration command of the README).
 */
class KafkaTopicsTest {

    static final Path TOPICS = Manifests.DIR.resolve("kafka/topics.yaml");

    @BeforeAll
    static void regenerateWhenAsked() throws IOException {
        Manifests.root();
        if (Boolean.getBoolean("k8s.topics.write")) {
            Files.writeString(TOPICS, KafkaTopicManifests.render(Topics.all()));
            System.out.println("wrote " + Topics.all().size() + " KafkaTopics to " + TOPICS);
        }
    }

    @Test
    void everyRegistryTopicHasItsKafkaTopicAndNoOtherExists() {
        List<String> differences = TopicRegistryCheck.differences(Manifests.all(), Topics.all());
        assertThat(differences).as("KafkaTopics that differ from the topic registry:" + StrictModel.describe(differences))
                .isEmpty();
        assertThat(Manifests.ofKind(Manifests.all(), "KafkaTopic")).hasSize(Topics.all().size());
    }

    @Test
    void topicsYamlIsWhatTheGeneratorWrites() throws IOException {
        String[] actual = Files.readString(TOPICS).split("\n", -1);
        String[] expected = KafkaTopicManifests.render(Topics.all()).split("\n", -1);
        String difference = null;
        for (int i = 0; i < Math.max(actual.length, expected.length) && difference == null; i++) {
            String a = i < actual.length ? actual[i] : "(end of file)";
            String e = i < expected.length ? expected[i] : "(end of file)";
            if (!a.equals(e)) {
                difference = "line " + (i + 1) + " is '" + a + "', the generator writes '" + e + "'";
            }
        }
        assertThat(difference).as("%s was edited by hand or the registry changed: regenerate it (infra/k8s/README.md)",
                TOPICS).isNull();
    }

    @Test
    void theGeneratorsOutputMatchesTheRegistry(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path out = dir.resolve("topics.yaml");
        Files.writeString(out, KafkaTopicManifests.render(Topics.all()));
        List<Manifests.Doc> docs = Manifests.read(out);
        assertThat(docs).hasSize(Topics.all().size());
        assertThat(TopicRegistryCheck.differences(docs, Topics.all())).isEmpty();
        assertThat(new ManifestValidator().problems(docs)).isEmpty();
    }
}
