package io.zerotrust.demo.monitor;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the pipeline's anomalies, enforcement decisions and the gateways' acknowledgements from a point in time on,
 * while a run goes on (read_committed: what the jobs committed).
 */
public final class Collector implements AutoCloseable {
    private final List<Anomaly> anomalies = new CopyOnWriteArrayList<>();
    private final List<EnforcementDecision> decisions = new CopyOnWriteArrayList<>();
    private final List<DecisionApplied> acks = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    public static Collector start(String kafka, RegistryClient registry, long fromMs) {
        Collector c = new Collector();
        c.follow(kafka, Topics.ANOMALIES, registry, fromMs, c.anomalies);
        c.follow(kafka, Topics.ENFORCEMENT_DECISIONS, registry, fromMs, c.decisions);
        c.follow(kafka, Topics.ENFORCEMENT_ACKS, registry, fromMs, c.acks);
        return c;
    }

    private <V> void follow(String kafka, Topic<String, V> topic,
                            RegistryClient registry, long fromMs, List<V> into) {
        Thread t = new Thread(() -> {
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka);
            p.put("isolation.level", "read_committed");
            p.put("enable.auto.commit", "false");
            try (KafkaConsumer<String, V> consumer =
                         new KafkaConsumer<>(p,
                                 new StringDeserializer(),
                                 topic.valueSerde(registry).deserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                consumer.assign(parts);
                Map<TopicPartition, Long> at = new HashMap<>();
                parts.forEach(tp -> at.put(tp, fromMs));
                consumer.offsetsForTimes(at).forEach((tp, o) -> {
                    if (o == null) {
                        consumer.seekToEnd(List.of(tp));
                    } else {
                        consumer.seek(tp, o.offset());
                    }
                });
                while (running) {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                        if (r.value() != null) {
                            into.add(r.value());
                        }
                    });
                }
            }
        }, "demo-collect-" + topic.name());
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    public List<Anomaly> anomalies() {
        return anomalies;
    }

    public List<EnforcementDecision> decisions() {
        return decisions;
    }

    public List<DecisionApplied> acks() {
        return acks;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(2_000);
        }
    }
}
