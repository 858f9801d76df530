package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.jobs.risk.RiskJob;
import io.zerotrust.jobs.risk.RiskJobConfig;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance of issue 22's policy part with the real risk engine (Flink mini-cluster, test scope only): a
 * threshold change published in the console's policy page, in headless chromium ({@code browser-tests/policy-engine.mjs}),
 * is applied by the running engine without a restart, and the next decision it issues carries the policy version the
 * page showed for the change, which the page then shows as the latest decision's.
 */
@ExtendWith(PlatformExtension.class)
class PolicyRiskEngineITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theNextDecisionAfterAThresholdChangeCarriesTheNewPolicyVersion(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String run = "r" + UUID.randomUUID().toString().substring(0, 8);
        Path users = dir.resolve("users.json");
        Users.load(users).put("ada", Role.ADMIN, "admin password 123".toCharArray());
        long startMs = System.currentTimeMillis();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        RiskJob.build(env, RiskJobConfig.of(Map.of(RiskJobConfig.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                RiskJobConfig.REGISTRY_URL, platform.registryUrl(), RiskJobConfig.GROUP_ID, "policy-it-" + run,
                RiskJobConfig.EVENTS_START, Long.toString(startMs), RiskJobConfig.CHECKPOINT_INTERVAL, "1000",
                RiskJobConfig.IDLENESS, "2000")));
        JobClient job = env.executeAsync("policy-console-it");
        List<EnforcementDecision> decisions = new CopyOnWriteArrayList<>();
        Thread reader = collect(platform, decisions, startMs);
        String rule = "console-threshold-" + run;
        try (Console console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                platform.kafkaBootstrap(), "registry.url", platform.registryUrl())))) {
            PolicyApiITCase.Browser admin = PolicyApiITCase.signIn(console, "ada", "admin password 123");
            HttpResponse<String> added = PolicyApiITCase.send(admin, "POST", "/api/policy/rules", JSON
                    .createObjectNode().put("ruleId", rule).put("kind", "THRESHOLD").put("minScore", 99)
                    .put("action", "BLOCK").put("ttlMinutes", 10).put("priority", 100)
                    .set("entityTypes", JSON.createArrayNode().add("USER")), true);
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            // the threshold change, made in the browser: 99 → 30, so a user's brute force (40 points) now crosses it;
            // the page asks for the attack with the policy version it shows, and waits to show the engine's decision
            AtomicReference<String> shownVersion = new AtomicReference<>();
            AtomicReference<EnforcementDecision> decided = new AtomicReference<>();
            BrowserTests.requireToolchain();
            try {
                BrowserTests.run("policy-engine.mjs", Map.of("ZT_CONSOLE_URL", console.url(), "ZT_ADMIN", "ada",
                    "ZT_ADMIN_PASSWORD", "admin password 123", "ZT_RULE", rule, "ZT_RUN", run), line -> {
                        if (line.startsWith("PUBLISH attack ")) {
                            shownVersion.set(line.substring("PUBLISH attack ".length()));
                            decided.set(attackUntilDecided(platform, decisions, run, rule));
                        }
                    });
                JsonNode shown = JSON.readTree(PolicyApiITCase.send(admin, "GET", "/api/policy", null, false).body());
                assertThat(shown.path("policyVersion").asText()).isEqualTo(shownVersion.get());
            } finally {
                // leave no enabled test rule behind for later jobs
                assertThat(PolicyApiITCase.send(admin, "POST", "/api/policy/rules", "{\"ruleId\":\"" + rule
                        + "\",\"enabled\":false}", true).statusCode()).isEqualTo(200);
            }
            String version = shownVersion.get();
            EnforcementDecision next = decided.get();
            assertThat(next).as("a decision under the changed rule").isNotNull();
            assertThat(next.getAction()).isEqualTo(Action.BLOCK);
            assertThat(next.getPolicyVersion().toString()).isEqualTo(version);
            assertThat(next.getSummary().toString()).contains("policy " + version);
            System.out.println("[policy-engine] the next decision " + next.getDecisionId() + " carries " + version);
        } finally {
            job.cancel().get();
            reader.interrupt();
        }
    }

    /**
     * A user's brute force, a new user each try: the engine reads the change from policy.rules, and an attack that
     * overtakes it is decided under the policy before it. The first decision under {@code rule}, or null.
     */
    private static EnforcementDecision attackUntilDecided(TestPlatform platform, List<EnforcementDecision> decisions,
                                                          String run, String rule) {
        for (int i = 0; i < 4; i++) {
            String user = run + "-u" + i;
            long t = System.currentTimeMillis();
            try (KafkaProducer<String, ConnectionEvent> p = platform.producer(Topics.CONN_EVENTS)) {
                for (int k = 0; k < 12; k++) {
                    p.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + user,
                            failure(user, "10.9.0." + (10 + i), t + k * 1000L))).get();
                }
            } catch (Exception e) {
                throw new IllegalStateException("the attack could not be sent", e);
            }
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> decisions.stream().anyMatch(d ->
                        d.getEntity().equals("user:" + user) && rule.equals(d.getRuleId())));
                return decisions.stream().filter(d -> d.getEntity().equals("user:" + user)
                        && rule.equals(d.getRuleId())).findFirst().orElseThrow();
            } catch (org.awaitility.core.ConditionTimeoutException overtaken) {
                System.out.println("[policy-engine] no decision under " + rule + " for " + user + "; decisions: "
                        + decisions.stream().filter(d -> d.getEntity().equals("user:" + user)).map(d ->
                        d.getRuleId() + "/" + d.getPolicyVersion()).toList());
            }
        }
        return null;
    }

    private static ConnectionEvent failure(String user, String ip, long time) {
        String id = UUID.randomUUID().toString();
        return ConnectionEvent.newBuilder().setEventId("e-" + id).setEventTime(time).setGatewayId("gw-test")
                .setConnectionId("c-" + id).setPhase(ConnectionPhase.REJECT).setUser(user)
                .setAuth(AuthInfo.newBuilder().setMethod(AuthMethod.JWT).setOutcome(AuthResult.FAILURE)
                        .setFailureReason("bad_password").build())
                .setSrc(SourceEndpoint.newBuilder().setIp(ip).setPort(40_000).build())
                .setDst(DestinationEndpoint.newBuilder().setService("portal").setHost("portal.internal")
                        .setIp("10.1.0.10").setPort(443).build())
                .setProtocol("https").setAttributes(Map.of()).setRejectReason("auth_failed").build();
    }

    private static Thread collect(TestPlatform platform, List<EnforcementDecision> out, long since) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "policy-it-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, EnforcementDecision> c = new KafkaConsumer<>(p,
                Topics.ENFORCEMENT_DECISIONS.keySerde().deserializer(),
                Topics.ENFORCEMENT_DECISIONS.valueSerde(platform.registry()).deserializer());
        c.subscribe(List.of(Topics.ENFORCEMENT_DECISIONS.name()));
        Thread t = new Thread(() -> {
            try (c) {
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, EnforcementDecision> r : c.poll(Duration.ofMillis(200))) {
                        if (r.value() != null && r.value().getIssuedAt() >= since) {
                            out.add(r.value());
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // stopped
            }
        }, "policy-it-decisions");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
