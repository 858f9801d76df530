package io.zerotrust.testkit;

import com.clickhouse.client.api.Client;
import io.zerotrust.platform.Platform;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The running platform as tests see it: its endpoints and ready-made clients that use the topic registry's serdes.
 * Clients returned here are the caller's to close (except the shared registry client).
 */
public final class TestPlatform {

    private static final AtomicInteger GROUPS = new AtomicInteger();

    private final Platform.Endpoints endpoints;
    private final RegistryClient registry;

    TestPlatform(Platform.Endpoints endpoints) {
        this.endpoints = endpoints;
        this.registry = RegistryClient.connect(endpoints.registryUrl());
    }

    public String kafkaBootstrap() {
        return endpoints.kafkaBootstrap();
    }

    public String registryUrl() {
        return endpoints.registryUrl();
    }

    public String clickhouseUrl() {
        return endpoints.clickhouseUrl();
    }

    /** A registry client shared by the tests of this JVM. */
    public RegistryClient registry() {
        return registry;
    }

    /** A producer for {@code topic} with its key and value serdes; acks=all, idempotent. */
    public <K, V> KafkaProducer<K, V> producer(Topic<K, V> topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde(registry).serializer());
    }

    /** A consumer of {@code topic} in a new group, reading from the beginning. */
    public <K, V> KafkaConsumer<K, V> consumer(Topic<K, V> topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + GROUPS.incrementAndGet() + "-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(),
                topic.valueSerde(registry).deserializer());
        consumer.subscribe(List.of(topic.name()));
        return consumer;
    }

    /**
     * Reads {@code topic} from the beginning until {@code count} records matching {@code filter} have arrived or
     * {@code timeout} has passed; returns what arrived (possibly fewer, so the caller's assertion says what is
     * missing).
     */
    public <K, V> List<ConsumerRecord<K, V>> consume(Topic<K, V> topic, int count, Duration timeout,
                                                     java.util.function.Predicate<ConsumerRecord<K, V>> filter) {
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<K, V> consumer = consumer(topic)) {
            while (out.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(r)) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A ClickHouse client (client-v2 over HTTP) for the platform's ClickHouse. Server-side response compression is
     * off: with it on, ClickHouse 18.16 fails to write responses (a Poco assertion in its log) and the client reads
     * empty results without any error.
     */
    public Client clickhouse() {
        return new Client.Builder()
                .addEndpoint(clickhouseUrl())
                .setUsername("default")
                .setPassword("")
                .compressServerResponse(false)
                .build();
    }

    void close() {
        registry.close();
    }
}
