package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.events.EventPublisher;
import io.zerotrust.gateway.identity.Identity;
import io.zerotrust.platform.KafkaBroker;
import io.zerotrust.platform.Platform;
import io.zerotrust.platform.PortCheck;
import io.zerotrust.platform.TopicProvisioner;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events spilled while Kafka is away are replayed once it is back even when no new event arrives to prove it: the
 * publisher probes with the oldest spilled event. Its own broker, started only after the events were spilled.
 */
@ExtendWith(PlatformExtension.class)
class EventSpillReplayITCase {

    @Test
    void spilledEventsAreReplayedWhenKafkaReturnsWithoutNewTraffic(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        int port = PortCheck.freePort();
        int controllerPort = PortCheck.freePort();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ConnectionEvents events = new ConnectionEvents("gw-replay");
        Set<String> ids = new HashSet<>();
        KafkaBroker broker = null;
        try (EventPublisher publisher = new EventPublisher("127.0.0.1:" + port, platform.registry(), 64,
                dir.resolve("spill"), "replay-test", metrics)) {
            publisher.resolveSchemas();
            for (int i = 0; i < 3; i++) {
                ConnectionEvent e = events.base(ConnectionPhase.REJECT, System.currentTimeMillis(),
                        ConnectionEvents.randomId(), "10.9.9." + i, 40_000 + i, Identity.ANONYMOUS, "api", "h",
                        InetSocketAddress.createUnresolved("127.0.0.1", 1), 0, "http").setRejectReason("test").build();
                ids.add(e.getEventId());
                publisher.emit(e);
            }
            // no broker: each send gives up after max.block.ms (2 s) and goes to the spill file
            await().atMost(Duration.ofSeconds(20)).until(() -> spilled(metrics) == 3);

            broker = KafkaBroker.start(dir.resolve("kafka"), port, controllerPort, Platform.kafkaClasspath(),
                    Duration.ofSeconds(60));
            TopicProvisioner.ensure(broker.bootstrapServers(), Topics.all(), (short) 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> metrics.get("gateway_events_total")
                    .tag("outcome", "replayed").counter().count() == 3);
            assertThat(metrics.get("gateway_event_spill_pending").gauge().value()).isZero();

            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-test");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, ConnectionEvent> consumer = new KafkaConsumer<>(p,
                    Topics.CONN_EVENTS.keySerde().deserializer(),
                    Topics.CONN_EVENTS.valueSerde(platform.registry()).deserializer())) {
                consumer.subscribe(List.of(Topics.CONN_EVENTS.name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (seen.size() < 3 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                        assertThat(seen.add(r.value().getEventId())).as("sent once: " + r.value().getEventId())
                                .isTrue();
                    }
                }
            }
            assertThat(seen).isEqualTo(ids);
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static double spilled(SimpleMeterRegistry metrics) {
        return metrics.get("gateway_events_total").tag("outcome", "spilled").counter().count();
    }
}
