package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser: Debian's chromium driven by npm playwright-core ({@code browser-tests/console.mjs})
 * against a console on the real broker, registry and ClickHouse (seeded as {@link EntityApiITCase#seed} does). When
 * the script prints {@code PUBLISH engine-decision}, this test publishes a risk-engine decision about the seeded
 * entity, as the engine would, and the script watches it arrive and follows it to the entity. {@code ./pipeline test}
 * installs the browser toolchain first ({@code ensure_browser}); without it this test fails saying so. Screenshots go
 * to {@code target/screenshots}.
 */
@ExtendWith(PlatformExtension.class)
class ConsoleBrowserITCase {

    @Test
    void signInLiveViewOverridesRolesCsrfAndThePhoneLayoutInChromium(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        BrowserTests.requireToolchain();
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, "admin password 123".toCharArray());
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        String run = "browser-" + UUID.randomUUID().toString().substring(0, 8);
        String db = "console_live_ui_" + run.substring(8);
        StageLagITCase.seedGroups(platform, run); // <run>-risk-new is 1 record behind
        try (Client ch = platform.clickhouse();
             KafkaProducer<String, EnforcementDecision> producer = platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
            EntityApiITCase.seed(ch, db, System.currentTimeMillis());
            Map<String, String> settings = new HashMap<>(Map.of("console.port", "0", "console.users.file",
                    users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                    platform.kafkaBootstrap(), "registry.url", platform.registryUrl(), "clickhouse.url",
                    platform.clickhouseUrl(), "clickhouse.database", db));
            settings.put("console.stages", "risk engine=" + run + "-risk-*,ingest=" + run + "-ingest");
            String engineDecision = "dec-engine-" + run;
            // the producer's first send waits for metadata and the schema's id: done before the browser watches
            publishEngineDecision(producer, "dec-warm-up-" + run);
            try (Console console = Console.start(ConsoleSettings.of(settings))) {
                BrowserTests.run("console.mjs", Map.of("ZT_CONSOLE_URL", console.url(), "ZT_ADMIN", "ada",
                        "ZT_ADMIN_PASSWORD", "admin password 123", "ZT_VIEWER", "vic",
                        "ZT_VIEWER_PASSWORD", "viewer password 123", "ZT_ENGINE_DECISION", engineDecision,
                        "ZT_EXPLANATION", EntityApiITCase.EXPLANATION), line -> {
                            if (line.equals("PUBLISH engine-decision")) {
                                publishEngineDecision(producer, engineDecision);
                            }
                        });
            } finally {
                EntityApiITCase.sql(ch, "DROP DATABASE IF EXISTS " + db);
            }
        }
        assertThat(Path.of("target/screenshots/console-live-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-live-phone.png")).isRegularFile();
    }

    /** A BLOCK of user:alice as the risk engine issues one, for the seeded impossible-travel anomaly. */
    private static void publishEngineDecision(KafkaProducer<String, EnforcementDecision> producer, String id) {
        long now = System.currentTimeMillis();
        try {
            producer.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), "user:alice",
                    EnforcementDecision.newBuilder().setDecisionId(id).setEntity("user:alice")
                            .setEntityType(EntityType.USER).setAction(Action.BLOCK).setMode(DecisionMode.ENFORCE)
                            .setIssuedAt(now).setExpiresAt(now + 600_000).setEventTime(now - 40)
                            .setIssuer(DecisionIssuer.ENGINE).setIssuedBy("zt-risk-engine")
                            .setPolicyVersion("v7-abc").setRuleId("travel-block").setRiskScore(85.0)
                            .setRiskLevel(RiskLevel.CRITICAL)
                            .setSummary("BLOCK user:alice: " + EntityApiITCase.EXPLANATION)
                            .setReasons(List.of(DecisionReason.newBuilder().setDetector("impossible_travel")
                                    .setContribution(85).setAnomalyId("a-1").setExplanation(EntityApiITCase.EXPLANATION)
                                    .setEvidenceEventIds(List.of("ev-1", "ev-2")).build()))
                            .build())).get();
        } catch (Exception e) {
            throw new IllegalStateException("the engine's decision could not be published", e);
        }
        System.out.println("[console] published " + id);
    }
}
