package io.zerotrust.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.ContractSamples;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroSerde;
import io.zerotrust.schemas.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Avro records through the real broker, with schemas registered in and fetched from the registry over HTTP. */
@ExtendWith(PlatformExtension.class)
class KafkaAvroRoundTripITCase {

    @Test
    void connectionEventsRoundTripThroughTheBrokerAndTheRegistry(TestPlatform platform) throws Exception {
        String run = UUID.randomUUID().toString();
        List<ConnectionEvent> sent = new ArrayList<>();
        try (KafkaProducer<String, ConnectionEvent> producer = platform.producer(Topics.CONN_EVENTS)) {
            for (int i = 0; i < 200; i++) {
                ConnectionEvent e = ContractSamples.of(ConnectionEvent.class, i);
                e.setConnectionId(run + "-" + i);
                sent.add(e);
                producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e)).get();
            }
        }

        // A consumer with its own registry client has nothing cached: every writer schema comes over HTTP.
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-" + run);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConnectionEvent> received = new ArrayList<>();
        try (RegistryClient fresh = RegistryClient.connect(platform.registryUrl());
             KafkaConsumer<String, ConnectionEvent> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                     AvroSerde.forValues(ConnectionEvent.class, fresh).deserializer())) {
            consumer.subscribe(List.of(Topics.CONN_EVENTS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().getConnectionId().startsWith(run)) {
                        assertThat(r.key()).isEqualTo("user:" + r.value().getUser());
                        received.add(r.value());
                    }
                }
            }
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);

        HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(platform.registryUrl() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(subjects.statusCode()).isEqualTo(200);
        assertThat(subjects.body()).contains("\"conn.events-value\"", "\"enforcement.decisions-value\"",
                "\"policy.rules-value\"");
    }

    @Test
    void compactedDecisionsKeepTheirKeysAndValues(TestPlatform platform) {
        String entity = "user:roundtrip-" + UUID.randomUUID();
        EnforcementDecision d = ContractSamples.of(EnforcementDecision.class, 5);
        d.setEntity(entity);
        try (KafkaProducer<String, EnforcementDecision> producer = platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
            producer.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), entity, d));
        }
        List<ConsumerRecord<String, EnforcementDecision>> got = platform.consume(Topics.ENFORCEMENT_DECISIONS, 1,
                Duration.ofSeconds(60), r -> entity.equals(r.key()));
        assertThat(got).singleElement().satisfies(r -> {
            assertThat(r.value()).isEqualTo(d);
            assertThat(r.value().getReasons()).isNotEmpty();
            assertThat(r.value().getReasons().get(0).getEvidenceEventIds()).isNotEmpty();
        });
    }
}
