package io.zerotrust.console;

import io.zerotrust.avro.PolicyRule;
import io.zerotrust.schemas.policy.Policy;
import io.zerotrust.schemas.policy.PolicyFiles;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules in force as the risk engine sees them: the job's default policy ({@code policy/default-policy.json}, the
 * same file the job ships) with every rule published on the compacted {@code policy.rules} topic over it, read from
 * the beginning; for each rule id the highest version wins (a published rule replaces a default one only with a
 * higher version, as in {@code PolicyFunction}). Every version seen is kept, for the history and rollbacks. The
 * reader follows the topic for as long as the console runs, so a change published elsewhere shows too.
 */
final class PolicyRules implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyRules.class);
    static final String DEFAULTS = "policy/default-policy.json";

    private final Map<String, TreeMap<Long, PolicyRule>> versions = new HashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Properties consumerProps = new Properties();
    private final String registryUrl;
    private final Thread reader;
    private volatile boolean closed;

    PolicyRules(String kafkaBootstrap, String registryUrl) {
        this.registryUrl = registryUrl;
        for (PolicyRule r : defaults()) {
            versions.computeIfAbsent(r.getRuleId(), k -> new TreeMap<>()).put(r.getVersion(), r);
        }
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "zt-console-policy");
        this.reader = new Thread(this::read, "console-policy-rules");
        reader.setDaemon(true);
    }

    /** The job's default policy, as the risk engine reads it (schemas' {@code policy/default-policy.json}). */
    static List<PolicyRule> defaults() {
        return PolicyFiles.defaults(0);
    }

    void start() {
        reader.start();
    }

    /** Waits until the topic was read up to where it ended when the console started. */
    boolean awaitCaughtUp(Duration d) throws InterruptedException {
        return caughtUp.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The rules in force, by id. */
    synchronized List<PolicyRule> inForce() {
        List<PolicyRule> out = new ArrayList<>();
        versions.values().forEach(v -> out.add(v.lastEntry().getValue()));
        out.sort(Comparator.comparing(PolicyRule::getRuleId));
        return out;
    }

    synchronized Optional<PolicyRule> current(String id) {
        TreeMap<Long, PolicyRule> v = versions.get(id);
        return v == null ? Optional.empty() : Optional.of(v.lastEntry().getValue());
    }

    /** Every version of a rule seen (the default and every one published), oldest first. */
    synchronized List<PolicyRule> history(String id) {
        TreeMap<Long, PolicyRule> v = versions.get(id);
        return v == null ? List.of() : List.copyOf(v.values());
    }

    /**
     * The policy version decisions carry, as the risk engine computes it ({@link Policy#version()}) over the same rules
     * (one it would refuse left out, as it leaves it out).
     */
    static String policyVersion(Collection<PolicyRule> rules) {
        Policy p = Policy.of(List.of());
        for (PolicyRule r : rules) {
            try {
                p = p.with(r);
            } catch (IllegalArgumentException refused) {
                // the engine refuses it too, and keeps its policy as it was
            }
        }
        return p.version();
    }

    /** Calls {@code listener} with the rule id whenever a rule changes. */
    void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    void unsubscribe(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** Takes a rule read from the topic, or just published by this console. */
    void accept(PolicyRule r) {
        boolean changed;
        synchronized (this) {
            changed = versions.computeIfAbsent(r.getRuleId(), k -> new TreeMap<>()).put(r.getVersion(), r) == null;
        }
        if (changed) {
            for (Consumer<String> l : listeners) {
                try {
                    l.accept(r.getRuleId());
                } catch (RuntimeException e) {
                    listeners.remove(l);
                }
            }
        }
    }

    private void read() {
        RegistryClient registry = RegistryClient.connect(registryUrl);
        Deserializer<PolicyRule> values = Topics.POLICY_RULES.valueSerde(registry).deserializer();
        while (!closed) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<PartitionInfo> parts = c.partitionsFor(Topics.POLICY_RULES.name(), Duration.ofSeconds(10));
                if (parts == null || parts.isEmpty()) {
                    caughtUp.countDown(); // no topic yet: the defaults are the policy
                    Thread.sleep(2_000);
                    continue;
                }
                List<TopicPartition> tps = parts.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps);
                while (!closed) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (r.value() == null) {
                            continue; // tombstones are ignored, as the engine ignores them
                        }
                        try {
                            accept(values.deserialize(r.topic(), r.value()));
                        } catch (RuntimeException e) {
                            LOG.warn("skipping an unreadable record on {} at {}-{}: {}", r.topic(), r.partition(),
                                    r.offset(), e.getMessage());
                        }
                    }
                    if (caughtUp.getCount() > 0 && tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                        caughtUp.countDown();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("reading {} failed, retrying: {}", Topics.POLICY_RULES.name(), e.toString());
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
        registry.close();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        reader.join(5_000);
    }
}
