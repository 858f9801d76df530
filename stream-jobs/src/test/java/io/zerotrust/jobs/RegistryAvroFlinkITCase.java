package io.zerotrust.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.Severity;
import io.zerotrust.schemas.ContractSamples;
import io.zerotrust.schemas.flink.RegistryAvroDeserializationSchema;
import io.zerotrust.schemas.flink.RegistryAvroSerializationSchema;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contracts inside Flink: a mini-cluster job reads ConnectionEvents from the real broker with the registry's
 * wire format, and writes Avro back through Flink's Kafka sink, which plain Kafka consumers then read.
 */
@ExtendWith(PlatformExtension.class)
class RegistryAvroFlinkITCase {

    @Test
    void aFlinkJobReadsAndWritesTheContractsThroughTheBroker(TestPlatform platform) throws Exception {
        String run = UUID.randomUUID().toString();
        int count = 500;
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, ConnectionEvent> producer = platform.producer(Topics.CONN_EVENTS)) {
            for (int i = 0; i < count; i++) {
                ConnectionEvent e = ContractSamples.of(ConnectionEvent.class, i);
                e.setConnectionId(run + "-" + i);
                acks.add(producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e)));
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(); // every event is on the broker before the bounded job takes the latest offsets
        }

        KafkaSource<ConnectionEvent> source = KafkaSource.<ConnectionEvent>builder()
                .setBootstrapServers(platform.kafkaBootstrap())
                .setTopics(Topics.CONN_EVENTS.name())
                .setGroupId("flink-it-" + run)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setValueOnlyDeserializer(RegistryAvroDeserializationSchema.forTopic(Topics.CONN_EVENTS,
                        platform.registryUrl()))
                .build();
        KafkaSink<Anomaly> sink = KafkaSink.<Anomaly>builder()
                .setBootstrapServers(platform.kafkaBootstrap())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(KafkaRecordSerializationSchema.<Anomaly>builder()
                        .setTopic(Topics.ANOMALIES.name())
                        .setValueSerializationSchema(RegistryAvroSerializationSchema.forTopic(Topics.ANOMALIES,
                                platform.registryUrl()))
                        .build())
                .build();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "conn-events").uid("conn-events")
                .filter(e -> e.getConnectionId().startsWith(run)).uid("this-run")
                .map(RegistryAvroFlinkITCase::toAnomaly).uid("to-anomaly")
                .sinkTo(sink).uid("anomalies");
        env.execute("registry-avro-it");

        List<ConsumerRecord<String, Anomaly>> out = platform.consume(Topics.ANOMALIES, count,
                Duration.ofSeconds(60), r -> r.value().getAnomalyId().startsWith(run));
        assertThat(out).hasSize(count);
        assertThat(out).extracting(r -> r.value().getEvidenceEventIds().get(0)).doesNotHaveDuplicates();
        assertThat(out).allSatisfy(r -> assertThat(r.value().getAttributes()).containsKey("gateway"));
    }

    private static Anomaly toAnomaly(ConnectionEvent e) {
        return Anomaly.newBuilder()
                .setAnomalyId(e.getConnectionId())
                .setDetector("flink_it")
                .setEntity("user:" + e.getUser())
                .setEntityType(EntityType.USER)
                .setSeverity(Severity.INFO)
                .setScore(0)
                .setEventTime(e.getEventTime())
                .setDetectedAt(e.getEventTime())
                .setExplanation("copied from " + e.getEventId())
                .setEvidenceEventIds(List.of(e.getEventId()))
                .setAttributes(Map.of("gateway", e.getGatewayId()))
                .build();
    }
}
