package io.zerotrust.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The loop as it happens, for the live view: one reader of {@code enforcement.decisions}, {@code anomalies} and
 * {@code enforcement.acks} (from a little before their end, so a page opened now shows the latest), and, once a
 * second, a snapshot of the loop: events per second on {@code conn.events} (from its end offsets), each stage's lag
 * ({@link StageLag}), decisions issued and applied in the last minute, the loop latency (trigger event to decision
 * applied) p50 and p99 over the last minute, the enforced decisions still in force with their expiry, and the manual
 * overrides in force. What is in force is learnt from the whole of the compacted decisions topic at start (as a
 * gateway learns it), so a console started after an override still knows it. Each item and snapshot goes to every
 * listener as one JSON text; listeners must not block.
 */
public final class LiveFeed implements AutoCloseable {

    static final int RECENT = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One update for the page: its kind ({@code decision}, {@code anomaly}, {@code applied}, {@code stats}) and JSON. */
    public record Update(String kind, String json) {
    }

    private final Properties consumerProps = new Properties();
    private final String registryUrl;
    private final List<Consumer<Update>> listeners = new CopyOnWriteArrayList<>();
    private final Deque<Update> recent = new ArrayDeque<>();
    private final Map<String, ObjectNode> inForce = new LinkedHashMap<>();
    private final Map<String, ObjectNode> overrides = new LinkedHashMap<>();
    private final Map<String, Long> eventTimeOfDecision = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> e) {
            return size() > 10_000;
        }
    };
    private final Deque<long[]> applied = new ArrayDeque<>(); // {appliedAt, latency or -1}
    private final Deque<Long> issued = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastStats = "{}";
    private final StageLag stages;

    public LiveFeed(String kafkaBootstrap, String registryUrl, StageLag stages) {
        this.registryUrl = registryUrl;
        this.stages = stages;
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "zt-console-live");
        thread = new Thread(this::run, "console-live-feed");
        thread.setDaemon(true);
    }

    public LiveFeed start() {
        thread.start();
        return this;
    }

    /** Adds a listener; returns what it should show first (the recent items, then the latest snapshot). */
    public synchronized List<Update> subscribe(Consumer<Update> listener) {
        listeners.add(listener);
        List<Update> first = new ArrayList<>(recent);
        first.add(new Update("stats", lastStats));
        return first;
    }

    public void unsubscribe(Consumer<Update> listener) {
        listeners.remove(listener);
    }

    public synchronized List<Update> recent() {
        return new ArrayList<>(recent);
    }

    private void publish(Update u, boolean keep) {
        synchronized (this) {
            if (keep) {
                recent.addLast(u);
                while (recent.size() > RECENT) {
                    recent.pollFirst();
                }
            }
        }
        for (Consumer<Update> l : listeners) {
            try {
                l.accept(u);
            } catch (RuntimeException gone) {
                listeners.remove(l);
            }
        }
    }

    private void run() {
        RegistryClient registry = RegistryClient.connect(registryUrl);
        Deserializer<EnforcementDecision> decisions = Topics.ENFORCEMENT_DECISIONS.valueSerde(registry).deserializer();
        Deserializer<Anomaly> anomalies = Topics.ANOMALIES.valueSerde(registry).deserializer();
        Deserializer<DecisionApplied> acks = Topics.ENFORCEMENT_ACKS.valueSerde(registry).deserializer();
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> read = new ArrayList<>();
                List<TopicPartition> events = new ArrayList<>();
                for (String t : List.of(Topics.ENFORCEMENT_DECISIONS.name(), Topics.ANOMALIES.name(),
                        Topics.ENFORCEMENT_ACKS.name(), Topics.CONN_EVENTS.name())) {
                    for (PartitionInfo p : c.partitionsFor(t, Duration.ofSeconds(30))) {
                        (t.equals(Topics.CONN_EVENTS.name()) ? events : read).add(new TopicPartition(t, p.partition()));
                    }
                }
                c.assign(read);
                Map<TopicPartition, Long> end = c.endOffsets(read);
                Map<TopicPartition, Long> begin = c.beginningOffsets(read);
                // the decisions from their beginning, for what is in force; shown in the feed only the last 30
                Map<TopicPartition, Long> shown = new java.util.HashMap<>();
                for (TopicPartition tp : read) {
                    shown.put(tp, Math.max(begin.get(tp), end.get(tp) - 30));
                    boolean decisionsTopic = tp.topic().equals(Topics.ENFORCEMENT_DECISIONS.name());
                    c.seek(tp, decisionsTopic ? begin.get(tp) : shown.get(tp));
                }
                long lastStatsAt = 0;
                long lastEventsEnd = -1;
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                        if (r.value() == null) {
                            continue;
                        }
                        try {
                            if (r.topic().equals(Topics.ENFORCEMENT_DECISIONS.name())) {
                                onDecision(decisions.deserialize(r.topic(), r.headers(), r.value()),
                                        r.offset() >= shown.get(new TopicPartition(r.topic(), r.partition())));
                            } else if (r.topic().equals(Topics.ANOMALIES.name())) {
                                onAnomaly(anomalies.deserialize(r.topic(), r.headers(), r.value()));
                            } else {
                                onApplied(acks.deserialize(r.topic(), r.headers(), r.value()));
                            }
                        } catch (RuntimeException undecodable) {
                            // a record the console cannot read is not shown; the jobs dead-letter such records
                        }
                    }
                    long now = System.currentTimeMillis();
                    if (now - lastStatsAt >= 1000) {
                        long eventsEnd = c.endOffsets(events).values().stream().mapToLong(Long::longValue).sum();
                        double rate = lastEventsEnd < 0 || lastStatsAt == 0 ? 0
                                : (eventsEnd - lastEventsEnd) * 1000.0 / (now - lastStatsAt);
                        lastEventsEnd = eventsEnd;
                        lastStatsAt = now;
                        publishStats(now, rate);
                    }
                }
            } catch (RuntimeException e) {
                if (running) {
                    publish(new Update("error", JSON.createObjectNode().put("message", "the live feed lost Kafka ("
                            + e.getMessage() + "); reconnecting").toString()), false);
                    sleep(2000);
                }
            }
        }
    }

    private void onDecision(EnforcementDecision d, boolean show) {
        ObjectNode n = JSON.createObjectNode().put("kind", "decision").put("id", d.getDecisionId())
                .put("entity", d.getEntity()).put("action", d.getAction().name()).put("mode", d.getMode().name())
                .put("issuer", d.getIssuer().name()).put("issuedAt", d.getIssuedAt())
                .put("policyVersion", d.getPolicyVersion()).put("summary", d.getSummary());
        n.put("ruleId", d.getRuleId());
        n.put("issuedBy", d.getIssuedBy());
        n.put("supersedes", d.getSupersedes());
        if (d.getExpiresAt() != null) {
            n.put("expiresAt", d.getExpiresAt());
        }
        boolean lift = Overrides.isLift(d);
        if (lift) {
            n.put("lift", true);
        }
        long now = System.currentTimeMillis();
        boolean live = d.getExpiresAt() == null || d.getExpiresAt() > now;
        synchronized (this) {
            if (show && d.getEventTime() != null) {
                eventTimeOfDecision.put(d.getDecisionId(), d.getEventTime());
            }
            if (show) {
                issued.addLast(now);
            }
            if (d.getMode() == DecisionMode.ENFORCE) {
                if (d.getAction().name().equals("ALLOW") || !live) {
                    inForce.remove(d.getEntity());
                } else {
                    inForce.remove(d.getEntity()); // re-inserted: the newest last
                    inForce.put(d.getEntity(), n);
                }
            }
            if (d.getIssuer() == DecisionIssuer.MANUAL) { // one per entity and mode, as a gateway keeps them
                String key = d.getEntity() + "\u0000" + d.getMode();
                overrides.remove(key);
                if (!lift && live) {
                    overrides.put(key, n);
                }
            }
        }
        if (show) {
            publish(new Update("decision", n.toString()), true);
        }
    }

    /**
     * The manual overrides in force for {@code entity} (as last read from {@code enforcement.decisions}): at most one
     * enforced and one shadow, the enforced first.
     */
    public synchronized List<ObjectNode> overrides(String entity) {
        List<ObjectNode> out = new ArrayList<>();
        for (DecisionMode mode : DecisionMode.values()) {
            ObjectNode o = overrides.get(entity + "\u0000" + mode);
            if (o != null && (!o.has("expiresAt") || o.get("expiresAt").asLong() > System.currentTimeMillis())) {
                out.add(o.deepCopy());
            }
        }
        return out;
    }

    /** The manual overrides in force, newest first. */
    public synchronized List<ObjectNode> overrides() {
        long now = System.currentTimeMillis();
        overrides.values().removeIf(o -> o.has("expiresAt") && o.get("expiresAt").asLong() <= now);
        List<ObjectNode> list = new ArrayList<>();
        for (ObjectNode o : overrides.values()) {
            list.add(0, o.deepCopy());
        }
        return list;
    }

    private void onAnomaly(Anomaly a) {
        ObjectNode n = JSON.createObjectNode().put("kind", "anomaly").put("id", a.getAnomalyId())
                .put("detector", a.getDetector()).put("entity", a.getEntity()).put("severity", a.getSeverity().name())
                .put("score", a.getScore()).put("eventTime", a.getEventTime()).put("explanation", a.getExplanation());
        publish(new Update("anomaly", n.toString()), true);
    }

    private void onApplied(DecisionApplied a) {
        long latency;
        synchronized (this) {
            Long eventTime = eventTimeOfDecision.get(a.getDecisionId());
            latency = eventTime == null ? -1 : a.getAppliedAt() - eventTime;
            applied.addLast(new long[] {System.currentTimeMillis(), latency});
        }
        ObjectNode n = JSON.createObjectNode().put("kind", "applied").put("decisionId", a.getDecisionId())
                .put("entity", a.getEntity()).put("gatewayId", a.getGatewayId()).put("outcome", a.getOutcome().name())
                .put("appliedAt", a.getAppliedAt()).put("sessionsRevoked", a.getSessionsRevoked());
        if (latency >= 0) {
            n.put("loopLatencyMs", latency);
        }
        publish(new Update("applied", n.toString()), true);
    }

    private void publishStats(long now, double eventsPerSecond) {
        ObjectNode s = JSON.createObjectNode().put("kind", "stats").put("at", now)
                .put("eventsPerSecond", Math.round(eventsPerSecond * 10) / 10.0);
        synchronized (this) {
            while (!issued.isEmpty() && now - issued.peekFirst() > 60_000) {
                issued.pollFirst();
            }
            while (!applied.isEmpty() && now - applied.peekFirst()[0] > 60_000) {
                applied.pollFirst();
            }
            s.put("decisionsLastMinute", issued.size()).put("appliedLastMinute", applied.size());
            long[] latencies = applied.stream().mapToLong(x -> x[1]).filter(x -> x >= 0).sorted().toArray();
            if (latencies.length > 0) {
                s.put("loopP50Ms", latencies[(int) Math.ceil(0.50 * latencies.length) - 1])
                        .put("loopP99Ms", latencies[(int) Math.ceil(0.99 * latencies.length) - 1]);
            }
            inForce.values().removeIf(d -> d.has("expiresAt") && d.get("expiresAt").asLong() <= now);
            s.put("inForceCount", inForce.size());
            ArrayNode blocks = s.putArray("inForce");
            List<ObjectNode> list = new ArrayList<>(inForce.values());
            for (int i = list.size() - 1; i >= 0 && blocks.size() < 50; i--) {
                blocks.add(list.get(i));
            }
        }
        ArrayNode manual = s.putArray("overrides");
        overrides().stream().limit(50).forEach(manual::add);
        s.set("stages", stages.snapshot());
        lastStats = s.toString();
        publish(new Update("stats", lastStats), false);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }

    /** How many pages are listening. */
    public int listeners() {
        return listeners.size();
    }
}
