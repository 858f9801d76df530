package io.zerotrust.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.platform.KafkaCluster;
import io.zerotrust.platform.Platform;
import io.zerotrust.platform.PlatformConfig;
import io.zerotrust.platform.PortCheck;
import io.zerotrust.schemas.ContractSamples;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform with {@code kafka.brokers=3}: three brokers in JVMs of their own, every topic of the registry with three
 * replicas and {@code min.insync.replicas=2}, the internal topics likewise (a transaction and a consumer group work),
 * and nothing left running after it stops. It starts only Kafka: the registry and ClickHouse of the shared test
 * platform are given by address.
 */
@ExtendWith(PlatformExtension.class)
class ThreeBrokerPlatformITCase {

    @Test
    void threeBrokersReplicateEveryTopicAndStopWithoutATrace(TestPlatform shared, @TempDir Path dir)
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put(PlatformConfig.DATA_DIR, dir.toString());
        settings.put(PlatformConfig.KAFKA_BROKERS, "3");
        settings.put(PlatformConfig.KAFKA_PORT, "0");
        settings.put(PlatformConfig.KAFKA_CONTROLLER_PORT, "0");
        settings.put(PlatformConfig.REGISTRY_URL, shared.registryUrl());
        settings.put(PlatformConfig.CLICKHOUSE_URL, shared.clickhouseUrl());

        long t0 = System.nanoTime();
        Platform platform = Platform.start(PlatformConfig.of(settings), line -> System.out.println("[3 brokers] " + line));
        List<Platform.Broker> brokers;
        Map<String, Long> pids;
        try {
            System.out.printf("three brokers ready in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9,
                    platform.endpoints().kafkaBootstrap());
            brokers = platform.kafkaBrokers();
            pids = platform.childPids();
            assertThat(brokers).extracting(Platform.Broker::nodeId).containsExactly(1, 2, 3);
            assertThat(pids).containsOnlyKeys("kafka-1", "kafka-2", "kafka-3");
            assertThat(Set.copyOf(pids.values())).as("a JVM per broker").hasSize(3);
            pids.forEach((name, pid) -> assertThat(alive(pid)).as(name + " runs").isTrue());
            assertThat(platform.endpoints().kafkaBootstrap().split(","))
                    .containsExactlyElementsOf(brokers.stream().map(Platform.Broker::address).toList());

            try (Admin admin = admin(platform.endpoints().kafkaBootstrap())) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                        .containsExactlyInAnyOrder(1, 2, 3);
                assertEveryTopicHasThreeReplicasAndMinIsrTwo(admin, Topics.all().stream().map(Topic::name).toList());
                Config broker = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")))
                        .all().get(30, TimeUnit.SECONDS).values().iterator().next();
                assertThat(broker.get("offsets.topic.replication.factor").value()).isEqualTo("3");
                assertThat(broker.get("transaction.state.log.replication.factor").value()).isEqualTo("3");
                assertThat(broker.get("transaction.state.log.min.isr").value()).isEqualTo("2");
                assertThat(broker.get("default.replication.factor").value()).isEqualTo("3");
                assertThat(broker.get("min.insync.replicas").value()).isEqualTo("2");

                String run = UUID.randomUUID().toString();
                List<String> sent = produceInATransaction(platform.endpoints().kafkaBootstrap(), shared, run, 100);
                List<String> received = consumeCommitted(platform.endpoints().kafkaBootstrap(), shared, run,
                        sent.size());
                assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
                // made by the transaction and the consumer group above, with the brokers' settings
                assertEveryTopicHasThreeReplicasAndMinIsrTwo(admin, List.of("__transaction_state",
                        "__consumer_offsets"));
            }
        } finally {
            long stopping = System.nanoTime();
            platform.close();
            System.out.printf("three brokers stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);
        }
        brokers.forEach(b -> assertThat(alive(b.pid())).as("broker " + b.nodeId() + " pid " + b.pid() + " is gone")
                .isFalse());
        for (Platform.Broker b : brokers) {
            PortCheck.requireFree("test", "broker " + b.nodeId(), URI.create("kafka://" + b.address()).getPort());
            PortCheck.requireFree("test", "controller " + b.nodeId(), b.controllerPort());
        }
    }

    private static void assertEveryTopicHasThreeReplicasAndMinIsrTwo(Admin admin, List<String> names)
            throws Exception {
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                .get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(30, TimeUnit.SECONDS);
        for (String name : names) {
            for (TopicPartitionInfo p : described.get(name).partitions()) {
                assertThat(p.replicas()).as(name + "-" + p.partition() + " replicas")
                        .hasSize(KafkaCluster.REPLICATION_FACTOR);
                assertThat(p.replicas().stream().map(Node::id).collect(Collectors.toSet()))
                        .as(name + "-" + p.partition() + " on three brokers").hasSize(3);
            }
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            String minIsr = name.equals("__transaction_state") ? "transaction.state.log.min.isr"
                    : "min.insync.replicas";
            assertThat(c.get("min.insync.replicas").value()).as(name + " (" + minIsr + ")")
                    .isEqualTo(Integer.toString(KafkaCluster.MIN_INSYNC_REPLICAS));
        }
    }

    private static List<String> produceInATransaction(String bootstrap, TestPlatform shared, String run, int n)
            throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "three-brokers-" + run);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, ConnectionEvent> producer = new KafkaProducer<>(p,
                Topics.CONN_EVENTS.keySerde().serializer(),
                Topics.CONN_EVENTS.valueSerde(shared.registry()).serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < n; i++) {
                ConnectionEvent e = ContractSamples.of(ConnectionEvent.class, i);
                e.setEventId(run + "-" + i);
                ids.add(e.getEventId());
                producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e));
            }
            producer.commitTransaction();
        }
        return ids;
    }

    private static List<String> consumeCommitted(String bootstrap, TestPlatform shared, String run, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "three-brokers-" + run);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, ConnectionEvent> consumer = new KafkaConsumer<>(p,
                Topics.CONN_EVENTS.keySerde().deserializer(),
                Topics.CONN_EVENTS.valueSerde(shared.registry()).deserializer())) {
            consumer.subscribe(List.of(Topics.CONN_EVENTS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ids.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ConnectionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().getEventId().startsWith(run)) {
                        ids.add(r.value().getEventId());
                    }
                }
            }
            consumer.commitSync(); // creates __consumer_offsets
        }
        return ids;
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
