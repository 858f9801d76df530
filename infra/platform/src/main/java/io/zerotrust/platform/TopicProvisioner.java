package io.zerotrust.platform;

import io.zerotrust.schemas.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Makes a Kafka cluster hold the topics of the registry: creates the missing ones with their partitions and configs,
 * and brings existing ones in line (adds partitions, sets cleanup policy and retention). Never deletes anything.
 */
public final class TopicProvisioner {

    private TopicProvisioner() {
    }

    /** Returns a line per topic saying what was done; topics get {@code replication} replicas. */
    public static List<String> ensure(String bootstrapServers, Collection<Topic<?, ?>> topics, short replication) {
        return ensure(bootstrapServers, topics, replication, 0);
    }

    /**
     * As {@link #ensure(String, Collection, short)}, and every topic gets {@code min.insync.replicas} =
     * {@code minInsyncReplicas} (0 leaves the broker's default): how many replicas must have a write before an
     * {@code acks=all} producer is told it succeeded.
     */
    public static List<String> ensure(String bootstrapServers, Collection<Topic<?, ?>> topics, short replication,
                                      int minInsyncReplicas) {
        if (minInsyncReplicas < 0 || minInsyncReplicas > replication) {
            throw new IllegalArgumentException("min.insync.replicas must be between 1 and the replication factor "
                    + replication + " (or 0 for the broker's default), got " + minInsyncReplicas);
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        List<String> report = new ArrayList<>();
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> create = new ArrayList<>();
            List<Topic<?, ?>> update = new ArrayList<>();
            for (Topic<?, ?> t : topics) {
                if (existing.contains(t.name())) {
                    update.add(t);
                } else {
                    create.add(new NewTopic(t.name(), t.partitions(), replication)
                            .configs(configs(t, minInsyncReplicas)));
                }
            }
            if (!create.isEmpty()) {
                admin.createTopics(create).all().get(60, TimeUnit.SECONDS);
                create.forEach(n -> report.add("created " + n.name() + " (" + n.numPartitions() + " partitions, "
                        + n.configs() + ")"));
            }
            if (!update.isEmpty()) {
                Map<String, TopicDescription> described = admin.describeTopics(
                        update.stream().map(Topic::name).toList()).allTopicNames().get(30, TimeUnit.SECONDS);
                for (Topic<?, ?> t : update) {
                    int have = described.get(t.name()).partitions().size();
                    if (have < t.partitions()) {
                        admin.createPartitions(Map.of(t.name(), NewPartitions.increaseTo(t.partitions())))
                                .all().get(30, TimeUnit.SECONDS);
                        report.add("grew " + t.name() + " from " + have + " to " + t.partitions() + " partitions");
                    }
                    List<AlterConfigOp> ops = configs(t, minInsyncReplicas).entrySet().stream()
                            .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                                    AlterConfigOp.OpType.SET)).toList();
                    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, t.name()), ops))
                            .all().get(30, TimeUnit.SECONDS);
                    report.add("kept " + t.name() + " (" + Math.max(have, t.partitions()) + " partitions, "
                            + configs(t, minInsyncReplicas) + ")");
                }
            }
            awaitLeaders(admin, topics.stream().map(Topic::name).toList(), Duration.ofSeconds(60));
        } catch (ExecutionException e) {
            throw new PlatformException("cannot create the pipeline's topics on Kafka at " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new PlatformException("Kafka at " + bootstrapServers + " did not answer while creating topics: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while creating topics", e);
        }
        return report;
    }

    private static Map<String, String> configs(Topic<?, ?> t, int minInsyncReplicas) {
        if (minInsyncReplicas == 0) {
            return t.configs();
        }
        Map<String, String> configs = new java.util.LinkedHashMap<>(t.configs());
        configs.put("min.insync.replicas", Integer.toString(minInsyncReplicas));
        return configs;
    }

    /**
     * Waits until every partition of {@code names} has a leader that serves requests. Right after creation the
     * metadata can name a leader before that broker has taken the partition on; a producer arriving then gets
     * NOT_LEADER_OR_FOLLOWER, and an idempotent one can stay stuck on OUT_OF_ORDER_SEQUENCE retries until its
     * delivery timeout. Listing offsets goes to each partition's leader, so its success is the proof.
     */
    private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                boolean allLed = true;
                for (TopicDescription d : described.values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        allLed &= p.leader() != null && !p.leader().isEmpty();
                        partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }
                }
                if (allLed) {
                    admin.listOffsets(partitions).all().get(10, TimeUnit.SECONDS);
                    return;
                }
            } catch (ExecutionException e) {
                last = e; // not ready yet: retried below
            }
            Thread.sleep(100);
        }
        throw new TimeoutException("partitions of " + names + " have no serving leader after " + timeout
                + (last == null ? "" : ": " + last.getCause().getMessage()));
    }
}
