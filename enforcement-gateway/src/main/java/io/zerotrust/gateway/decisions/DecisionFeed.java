package io.zerotrust.gateway.decisions;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.serde.AvroCodec;
import io.zerotrust.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code enforcement.decisions} from the beginning into the {@link DecisionCache}, on its own thread, with no
 * consumer group (every gateway reads every decision). A BLOCK closes the entity's live connections as it arrives.
 * Each decision read after start is acknowledged on {@code enforcement.acks}. The feed is "caught up" once it has
 * read up to the end offsets seen at start; until then the gateway is not ready. Staleness is the time since the last
 * successful poll, exported with the lag.
 */
public final class DecisionFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionFeed.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<EnforcementDecision> codec;
    private final DecisionCache cache;
    private final SessionRegistry sessions;
    private final Consumer<DecisionApplied> acks;
    private final String gatewayId;
    private final Clock clock;
    private final Thread thread;
    private final AtomicLong lastContactMs = new AtomicLong();
    private final AtomicLong lag = new AtomicLong(-1);
    private final Counter undecodable;
    private final Map<ApplyOutcome, Counter> outcomes;
    private volatile boolean caughtUp;
    private volatile boolean running = true;

    public DecisionFeed(String bootstrap, RegistryClient registry, DecisionCache cache, SessionRegistry sessions,
                        Consumer<DecisionApplied> acks, String gatewayId, Clock clock, MeterRegistry metrics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, gatewayId + "-decisions");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Deliver a new decision as soon as it lands: enforcement latency is the point.
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.codec = new AvroCodec<>(EnforcementDecision.class, registry,
                Topics.ENFORCEMENT_DECISIONS.valueSubject(), false);
        this.cache = cache;
        this.sessions = sessions;
        this.acks = acks;
        this.gatewayId = gatewayId;
        this.clock = clock;
        this.undecodable = metrics.counter("gateway_decisions_total", "outcome", "undecodable");
        this.outcomes = java.util.Arrays.stream(ApplyOutcome.values()).collect(Collectors.toMap(o -> o,
                o -> metrics.counter("gateway_decisions_total", "outcome", o.name().toLowerCase())));
        metrics.gauge("gateway_decision_cache_lag_records", lag, AtomicLong::get);
        metrics.gauge("gateway_decision_cache_staleness_seconds", this,
                f -> f.staleness().toMillis() / 1000.0);
        metrics.gauge("gateway_decision_cache_entities", cache, DecisionCache::size);
        for (Action a : List.of(Action.STEP_UP, Action.THROTTLE, Action.BLOCK)) {
            metrics.gauge("gateway_decisions_live", Tags.of("action", a.name().toLowerCase()), cache,
                    c -> c.live(a, clock.millis()));
        }
        this.thread = new Thread(this::run, "decision-feed");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    /** Time since the broker last answered the feed; grows while Kafka is away. */
    public Duration staleness() {
        long last = lastContactMs.get();
        return last == 0 ? Duration.ofDays(1) : Duration.ofMillis(Math.max(0, clock.millis() - last));
    }

    public long lag() {
        return lag.get();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ENFORCEMENT_DECISIONS.name(),
                    Duration.ofSeconds(30)).stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> startEnd = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            lastContactMs.set(clock.millis());
            long nextContactCheck = 0;
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    handle(r);
                }
                long now = clock.millis();
                if (now >= nextContactCheck) {
                    // poll() returns quietly when the broker is away, so freshness is proven by asking the broker.
                    nextContactCheck = now + 1_000;
                    checkContact(partitions);
                }
                if (!caughtUp && startEnd.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    LOG.info("decision cache caught up: {} entities", cache.size());
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the decision feed stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void checkContact(List<TopicPartition> partitions) {
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofMillis(800));
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                total += Math.max(0, e.getValue() - consumer.position(e.getKey()));
            }
            lag.set(total);
            lastContactMs.set(clock.millis());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // no answer: staleness grows until the broker is back
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        long receivedAt = clock.millis();
        if (r.value() == null) {
            cache.remove(r.key());
            return;
        }
        EnforcementDecision d;
        try {
            d = codec.decode(r.value());
        } catch (RuntimeException e) {
            undecodable.increment();
            LOG.warn("skipping an undecodable decision at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return;
        }
        ApplyOutcome outcome = cache.apply(d, receivedAt);
        outcomes.get(outcome).increment();
        int revoked = 0;
        if (outcome == ApplyOutcome.APPLIED && d.getAction() == Action.BLOCK) {
            revoked = sessions.revoke(d.getEntity(), c -> c.attr(SessionRegistry.REVOKED_BY).set(d.getDecisionId()));
        }
        // Historical decisions that had already expired are not acknowledged again at every restart.
        if (outcome != ApplyOutcome.EXPIRED_ON_ARRIVAL || caughtUp) {
            acks.accept(DecisionApplied.newBuilder()
                    .setDecisionId(d.getDecisionId())
                    .setEntity(d.getEntity())
                    .setAction(d.getAction())
                    .setMode(d.getMode())
                    .setGatewayId(gatewayId)
                    .setOutcome(outcome)
                    .setDecisionIssuedAt(d.getIssuedAt())
                    .setReceivedAt(receivedAt)
                    .setAppliedAt(clock.millis())
                    .setSessionsRevoked(revoked)
                    .setDetail(outcome == ApplyOutcome.REJECTED ? "a " + d.getAction()
                            + " decision must have an expiry" : null)
                    .build());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
