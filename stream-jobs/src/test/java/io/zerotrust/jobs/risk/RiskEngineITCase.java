package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.avro.RuleKind;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The risk engine on a Flink mini-cluster against the real broker and registry: scripted attacks mixed into a benign
 * population get the expected decisions with the right detector among the reasons, no benign entity rises above
 * medium, and a policy change applies to the next events without a restart.
 */
@ExtendWith(PlatformExtension.class)
class RiskEngineITCase {

    static RiskJobConfig config(TestPlatform platform, String run, long startMs) {
        return RiskJobConfig.of(Map.of(
                RiskJobConfig.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                RiskJobConfig.REGISTRY_URL, platform.registryUrl(),
                RiskJobConfig.GROUP_ID, "risk-it-" + run,
                RiskJobConfig.EVENTS_START, Long.toString(startMs),
                RiskJobConfig.CHECKPOINT_INTERVAL, "1000",
                RiskJobConfig.IDLENESS, "2000"));
    }

    static JobClient start(RiskJobConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        RiskJob.build(env, config);
        return env.executeAsync("risk-engine-it");
    }

    static void produce(TestPlatform platform, List<ConnectionEvent> events) throws Exception {
        produce(platform, events, null);
    }

    /** Sends events keyed as the gateway keys them, to {@code partition} if given (else by key). */
    static void produce(TestPlatform platform, List<ConnectionEvent> events, Integer partition) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, ConnectionEvent> p = platform.producer(Topics.CONN_EVENTS)) {
            for (ConnectionEvent e : events) {
                String key = e.getUser() != null ? "user:" + e.getUser() : "ip:" + e.getSrc().getIp();
                acks.add(p.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), partition, key, e)));
            }
        }
        for (Future<RecordMetadata> a : acks) {
            a.get();
        }
    }

    /** Reads a topic from the beginning in the background, committed records only (the job writes in transactions). */
    static final class Collecting<V> implements AutoCloseable {
        final List<V> values = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Collecting(TestPlatform platform, Topic<String, V> topic, Predicate<V> keep) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            KafkaConsumer<String, V> consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(),
                    topic.valueSerde(platform.registry()).deserializer());
            consumer.subscribe(List.of(topic.name()));
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.value() != null && keep.test(r.value())) {
                                values.add(r.value());
                            }
                        }
                    }
                }
            }, "collect-" + topic.name());
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    @Test
    void scriptedAttacksAreDecidedAndBenignUsersStayAtMostMedium(TestPlatform platform) throws Exception {
        String run = "r" + UUID.randomUUID().toString().substring(0, 8);
        long startMs = System.currentTimeMillis();
        Scenario scenario = new Scenario(run, 42).benign().attacks();
        JobClient job = start(config(platform, run, startMs));
        try (Collecting<EnforcementDecision> decisions = new Collecting<>(platform, Topics.ENFORCEMENT_DECISIONS,
                d -> d.getIssuedAt() >= startMs);
             Collecting<RiskScore> scores = new Collecting<>(platform, Topics.RISK_SCORES,
                     s -> s.getComputedAt() >= startMs)) {
            produce(platform, scenario.ordered());

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                for (Scenario.Expectation x : scenario.expected.values()) {
                    assertThat(decisions.values).as("a decision for %s", x.entity())
                            .anySatisfy(d -> {
                                assertThat(d.getEntity()).isEqualTo(x.entity());
                                assertThat(d.getMode()).isEqualTo(DecisionMode.ENFORCE);
                                assertThat(d.getAction().ordinal()).as(d.getSummary())
                                        .isGreaterThanOrEqualTo(x.atLeast().ordinal());
                                assertThat(d.getReasons()).extracting(r -> r.getDetector()).as(d.getSummary())
                                        .contains(x.detector());
                            });
                }
            });
            // every benign user of the run, its device and its address, stays at most medium
            List<String> benign = new ArrayList<>();
            for (ConnectionEvent e : scenario.events) {
                if (e.getUser() != null && scenario.benignUsers.contains(e.getUser())
                        && !scenario.expected.containsKey("ip:" + e.getSrc().getIp())) {
                    benign.add("user:" + e.getUser());
                    benign.add("ip:" + e.getSrc().getIp());
                    if (e.getDeviceId() != null) {
                        benign.add("device:" + e.getDeviceId());
                    }
                }
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> scores.values.stream()
                    .anyMatch(s -> s.getEntity().equals("user:" + scenario.user(4))));
            List<RiskScore> benignScores = scores.values.stream().filter(s -> benign.contains(s.getEntity()))
                    .collect(Collectors.toList());
            assertThat(benignScores).allSatisfy(s -> assertThat(s.getLevel().ordinal()).as(s.toString())
                    .isLessThanOrEqualTo(RiskLevel.MEDIUM.ordinal()));
            assertThat(decisions.values).noneSatisfy(d -> {
                assertThat(benign).contains(d.getEntity());
                assertThat(d.getMode()).isEqualTo(DecisionMode.ENFORCE);
            });

            // a policy change applies to the next events, without a restart: first in shadow, then enforced
            long t = scenario.end() + 3_600_000;
            publish(platform, rule(run + "-rare-shadow", DecisionMode.SHADOW, Action.STEP_UP, 1));
            String explorer = firstDecidedVisit(platform, scenario, decisions, new int[] {12, 14, 15}, t,
                    d -> d.getRuleId() != null && d.getRuleId().equals(run + "-rare-shadow"));
            assertThat(decisions.values).filteredOn(d -> d.getEntity().equals("user:" + explorer))
                    .singleElement().satisfies(d -> {
                        assertThat(d.getMode()).isEqualTo(DecisionMode.SHADOW);
                        assertThat(d.getRuleId()).isEqualTo(run + "-rare-shadow");
                    });
            publish(platform, rule(run + "-rare-enforce", DecisionMode.ENFORCE, Action.THROTTLE, 1));
            String second = firstDecidedVisit(platform, scenario, decisions, new int[] {13, 16, 17}, t + 60_000,
                    d -> d.getMode() == DecisionMode.ENFORCE);
            assertThat(decisions.values)
                    .filteredOn(d -> d.getEntity().equals("user:" + second) && d.getMode() == DecisionMode.ENFORCE)
                    .singleElement().satisfies(d -> {
                        assertThat(d.getAction()).isEqualTo(Action.THROTTLE);
                        assertThat(d.getRuleId()).isEqualTo(run + "-rare-enforce");
                    });
        } finally {
            job.cancel().get();
            // leave no enabled test rule behind for later jobs
            publish(platform, rule(run + "-rare-shadow", DecisionMode.SHADOW, Action.STEP_UP, 2));
            publish(platform, rule(run + "-rare-enforce", DecisionMode.ENFORCE, Action.THROTTLE, 2));
        }
    }

    /**
     * A benign user's first visit to payroll (a rare destination), until one gets a decision matching
     * {@code matches} within 30 s; returns that user. Each try is a different user, so each is a first visit. A rule
     * takes effect once the job's policy operator has read it from policy.rules, which the test cannot observe: an
     * event that overtakes the rule is decided under the policy before it, as it should be.
     */
    private static String firstDecidedVisit(TestPlatform platform, Scenario scenario,
                                            Collecting<EnforcementDecision> decisions, int[] users, long time,
                                            java.util.function.Predicate<EnforcementDecision> matches)
            throws Exception {
        for (int i : users) {
            String user = scenario.user(i);
            produce(platform, List.of(TestEvents.login(user, "laptop-" + user, "10.0.0." + (10 + i), "payroll",
                    time)));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> decisions.values.stream()
                        .anyMatch(d -> d.getEntity().equals("user:" + user) && matches.test(d)));
                return user;
            } catch (org.awaitility.core.ConditionTimeoutException overtaken) {
                // the rule was not in effect yet for this event: the next user's visit comes after it
            }
        }
        throw new AssertionError("no decision under the new rule for any of users " + java.util.Arrays.toString(users)
                + " within 30 s each");
    }

    static PolicyRule rule(String id, DecisionMode mode, Action action, long version) {
        return PolicyRule.newBuilder().setRuleId(id).setVersion(version).setEnabled(version == 1)
                .setKind(RuleKind.DETECTOR).setDetectors(List.of("rare_destination")).setAction(action)
                .setTtlMs(600_000).setThrottleRatePerSecond(action == Action.THROTTLE ? 2.0 : null).setMode(mode)
                .setUpdatedAt(System.currentTimeMillis()).setUpdatedBy("it").build();
    }

    static void publish(TestPlatform platform, PolicyRule r) throws Exception {
        try (KafkaProducer<String, PolicyRule> p = platform.producer(Topics.POLICY_RULES)) {
            p.send(new ProducerRecord<>(Topics.POLICY_RULES.name(), r.getRuleId(), r)).get();
        }
    }
}
