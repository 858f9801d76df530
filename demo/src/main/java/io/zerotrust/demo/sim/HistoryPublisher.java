package io.zerotrust.demo.sim;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.gateway.events.EventPublisher;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a plan's history to {@code conn.events} as the gateway would have written it over the past days, in
 * event-time order and keyed like the gateway's events, so that the risk engine learns everyone's habits before the
 * live phase. The jobs read event time from the record's value; the Kafka timestamp is the publish time, so a job
 * told to start at the demo's start time reads the history too, and retention counts from now. Idempotent producer,
 * acks from all replicas; returns once every event is acknowledged.
 */
public final class HistoryPublisher {

    private HistoryPublisher() {
    }

    /** The plan's history as events, in event-time order. */
    public static List<ConnectionEvent> events(Plan plan, String gatewayId) {
        List<ConnectionEvent> events = new ArrayList<>();
        for (Attempt a : plan.history()) {
            events.addAll(SimEvents.of(a, a.time(), gatewayId));
        }
        events.sort(Comparator.comparingLong(ConnectionEvent::getEventTime));
        return events;
    }

    /**
     * Sends {@code events}; {@code progress} gets the count sent so far now and then.
     *
     * @return the number of events acknowledged
     */
    public static long publish(String bootstrap, RegistryClient registry, List<ConnectionEvent> events,
                               LongConsumer progress) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "demo-history");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        AvroCodec<ConnectionEvent> codec = new AvroCodec<>(ConnectionEvent.class, registry,
                Topics.CONN_EVENTS.valueSubject(), true);
        long sent = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (ConnectionEvent e : events) {
                producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), EventPublisher.keyOf(e),
                        codec.encode(e)));
                if (++sent % 5_000 == 0) {
                    progress.accept(sent);
                }
            }
            producer.flush();
        }
        progress.accept(sent);
        return sent;
    }
}
