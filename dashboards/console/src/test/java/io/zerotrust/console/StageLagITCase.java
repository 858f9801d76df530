package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each stage's lag as the live view shows it, from consumer groups' committed offsets on a real broker. */
@ExtendWith(PlatformExtension.class)
class StageLagITCase {

    /**
     * A topic {@code <run>.events} of 10 records in 2 partitions, group {@code <run>-risk-old} 9 records behind on it
     * (an earlier run that stopped early) and {@code <run>-risk-new} 1 behind; returns the topic.
     */
    static String seedGroups(TestPlatform platform, String run) throws Exception {
        String topic = run + ".events";
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, i % 2, null, new byte[] {(byte) i})).get();
                }
            }
            TopicPartition p0 = new TopicPartition(topic, 0);
            TopicPartition p1 = new TopicPartition(topic, 1);
            admin.alterConsumerGroupOffsets(run + "-risk-old", Map.of(p0, new OffsetAndMetadata(1),
                    p1, new OffsetAndMetadata(0))).all().get();
            admin.alterConsumerGroupOffsets(run + "-risk-new", Map.of(p0, new OffsetAndMetadata(4),
                    p1, new OffsetAndMetadata(5))).all().get();
        }
        return topic;
    }

    @Test
    void aStageIsTheGroupFurthestAlongAndAStageWithoutOffsetsSaysSo(TestPlatform platform) throws Exception {
        String run = "lagtest-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = seedGroups(platform, run);
        List<StageLag.Stage> stages = StageLag.parse("risk engine=" + run + "-risk-*,ingest=" + run + "-ingest");
        try (StageLag lag = new StageLag(platform.kafkaBootstrap(), stages)) {
            JsonNode s = lag.measure();
            assertThat(s).hasSize(2);
            assertThat(s.get(0).path("stage").asText()).isEqualTo("risk engine");
            assertThat(s.get(0).path("group").asText()).isEqualTo(run + "-risk-new");
            assertThat(s.get(0).path("lag").asLong()).isEqualTo(1);
            assertThat(s.get(0).path("partitions").asInt()).isEqualTo(2);
            assertThat(s.get(0).path("topics").get(0).asText()).isEqualTo(topic);
            assertThat(s.get(1).path("stage").asText()).isEqualTo("ingest");
            assertThat(s.get(1).path("error").asText()).isEqualTo("not running: no offsets committed by " + run
                    + "-ingest");
        }
    }

    @Test
    void aGroupWithMembersIsTheStageBeforeGroupsWithoutAndSaysWhenItHasCommittedNothing(TestPlatform platform)
            throws Exception {
        String run = "lagtest-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = seedGroups(platform, run); // -risk-new 1 behind, -risk-old 9 behind, neither with members
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, run + "-risk-live");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<StageLag.Stage> stages = StageLag.parse("risk engine=" + run + "-risk-*");
        try (KafkaConsumer<byte[], byte[]> live = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer());
             StageLag lag = new StageLag(platform.kafkaBootstrap(), stages)) {
            live.subscribe(List.of(topic));
            long until = System.currentTimeMillis() + 20_000;
            while (live.assignment().isEmpty() && System.currentTimeMillis() < until) {
                live.poll(Duration.ofMillis(200));
            }
            assertThat(live.assignment()).isNotEmpty();
            JsonNode running = lag.measure().get(0);
            assertThat(running.path("group").asText()).isEqualTo(run + "-risk-live");
            assertThat(running.path("note").asText()).isEqualTo("running, nothing committed yet");
            // it has read 3 of partition 0 and all of partition 1: 2 behind, and it is the stage though -new lags less
            live.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(3),
                    new TopicPartition(topic, 1), new OffsetAndMetadata(5)));
            JsonNode committed = lag.measure().get(0);
            assertThat(committed.path("group").asText()).isEqualTo(run + "-risk-live");
            assertThat(committed.path("lag").asLong()).isEqualTo(2);
        }
    }

    @Test
    void aBadStagesSettingNamesTheKeyAndTheForm() {
        assertThat(StageLag.parse(StageLag.DEFAULT)).extracting(StageLag.Stage::name)
                .containsExactly("ingest", "risk engine", "analytics sink");
        assertThat(StageLag.parse("a=x|y*").get(0).matches("y-1")).isTrue();
        assertThat(StageLag.parse("a=x|y*").get(0).matches("x-1")).isFalse();
        assertThatThrownBy(() -> ConsoleSettings.of(Map.of("console.stages", "ingest")))
                .hasMessageContaining("console.stages").hasMessageContaining("name=group");
    }
}
