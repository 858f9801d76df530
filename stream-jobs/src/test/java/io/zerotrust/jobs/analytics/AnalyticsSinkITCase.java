package io.zerotrust.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.jobs.risk.TestEvents;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ClickHouse sink job against the real broker, registry and ClickHouse. */
@ExtendWith(PlatformExtension.class)
class AnalyticsSinkITCase {

    static final long T0 = 1_795_341_600_000L; // 2026-11-22 10:00:00 UTC

    static JobClient start(TestPlatform platform, String clickhouseUrl, String db, String group, long startMs)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AnalyticsJob.build(env, AnalyticsJob.settings(Map.of(
                AnalyticsJob.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                AnalyticsJob.REGISTRY_URL, platform.registryUrl(),
                AnalyticsJob.CLICKHOUSE_URL, clickhouseUrl,
                AnalyticsJob.DATABASE, db,
                AnalyticsJob.GROUP_ID, group,
                AnalyticsJob.START, Long.toString(startMs),
                AnalyticsJob.CHECKPOINT_INTERVAL, "1000",
                AnalyticsJob.IDLENESS, "1000",
                AnalyticsJob.BATCH_INTERVAL, "200")));
        return env.executeAsync(AnalyticsJob.STAGE + "-it");
    }

    /** A run's events: per user, OPEN and CLOSE of 3 connections in two minutes, and a refused login. */
    static List<ConnectionEvent> events(String run, int users) {
        List<ConnectionEvent> out = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            String user = run + "-u" + u;
            for (int c = 0; c < 3; c++) {
                long t = T0 + c * 40_000L + u;
                out.add(TestEvents.login(user, "laptop-" + user, "10.7.0." + u, "svc" + c, t));
                out.add(TestEvents.close(user, "10.7.0." + u, "svc" + c, 1_000L * (c + 1), t + 5_000));
            }
            out.add(TestEvents.failure(user, "10.7.0." + u, T0 + 1_000));
        }
        // a later event, so that event time passes the minutes above and their rollups close
        out.add(TestEvents.login(run + "-tick", "laptop", "10.7.1.1", "svc0", T0 + 180_000));
        return out;
    }

    static void produce(TestPlatform platform, List<ConnectionEvent> events) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, ConnectionEvent> p = platform.producer(Topics.CONN_EVENTS)) {
            for (ConnectionEvent e : events) {
                acks.add(p.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e)));
            }
        }
        for (Future<RecordMetadata> a : acks) {
            a.get();
        }
    }

    static String q(Client ch, String sql) {
        List<String> rows = io.zerotrust.clickhouse.MigrationsAccess.lines(ch, sql);
        return String.join("\n", rows);
    }

    @Test
    void replayingTheSameInputTwiceLeavesNoDuplicatesAsAnalystsReadThem(TestPlatform platform) throws Exception {
        String run = "an" + UUID.randomUUID().toString().substring(0, 6);
        String db = "it_" + run;
        long startMs = System.currentTimeMillis();
        List<ConnectionEvent> events = events(run, 5);
        EnforcementDecision decision = EnforcementDecision.newBuilder().setDecisionId("dec-" + run)
                .setEntity("user:" + run + "-u0").setEntityType(EntityType.USER).setAction(Action.BLOCK)
                .setMode(DecisionMode.ENFORCE).setIssuedAt(T0 + 90_000).setExpiresAt(T0 + 1_890_000)
                .setEventTime(T0 + 85_000).setIssuer(DecisionIssuer.ENGINE).setPolicyVersion("v1-test")
                .setRuleId("critical-block").setRiskScore(80.0).setRiskLevel(RiskLevel.CRITICAL)
                .setSummary("BLOCK for the test").setReasons(List.of(DecisionReason.newBuilder()
                        .setDetector("exfiltration").setContribution(60.0).setAnomalyId("an-1")
                        .setExplanation("a lot out").setEvidenceEventIds(List.of("e-a", "e-b")).build()))
                .build();
        try (Client ch = platform.clickhouse()) {
            for (int pass = 1; pass <= 2; pass++) {
                // the second job has a new group and no checkpoint: it reads everything again, as a replay would
                JobClient job = start(platform, platform.clickhouseUrl(), db, "it-" + run + "-" + pass, startMs);
                try {
                    if (pass == 1) {
                        produce(platform, events);
                        try (KafkaProducer<String, EnforcementDecision> p =
                                     platform.producer(Topics.ENFORCEMENT_DECISIONS)) {
                            p.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), decision.getEntity(),
                                    decision)).get();
                        }
                    }
                    int expectedRaw = events.size() * pass;
                    String expectedDecisions = Integer.toString(pass);
                    String expectedRollups = Integer.toString(2 * pass); // u2's two minutes, once per pass
                    // the job creates its tables when it starts: until then a query fails (unknown table)
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .until(() -> q(ch, "SELECT count() FROM " + db + ".conn_events").equals(
                                    Integer.toString(expectedRaw))
                            && q(ch, "SELECT count() FROM " + db + ".decisions").equals(expectedDecisions)
                            && q(ch, "SELECT count() FROM " + db + ".rollup_1m WHERE dimension = 'user' AND key = '"
                                    + run + "-u2'").equals(expectedRollups));
                } finally {
                    job.cancel().get();
                }
            }
            assertThat(q(ch, "SELECT count() FROM " + db + ".conn_events")).as("written twice")
                    .isEqualTo(Integer.toString(events.size() * 2));
            assertThat(q(ch, "SELECT count() FROM " + db + ".conn_events FINAL")).as("read once")
                    .isEqualTo(Integer.toString(events.size()));
            assertThat(q(ch, "SELECT user, phase, bytes_out FROM " + db + ".conn_events FINAL WHERE user = '"
                    + run + "-u1' AND phase = 'CLOSE' ORDER BY event_time"))
                    .isEqualTo(String.join("\n", run + "-u1\tCLOSE\t1000", run + "-u1\tCLOSE\t2000",
                            run + "-u1\tCLOSE\t3000"));
            assertThat(q(ch, "SELECT decision_id, action, reasons.detector, reasons.evidence_event_ids FROM " + db
                    + ".decisions FINAL")).isEqualTo("dec-" + run + "\tBLOCK\t['exfiltration']\t[['e-a','e-b']]");
            // rollups: minute 10:00 has connections 0 and 1 (at :00 and :40) and the refused login to the portal
            // (three destinations tried), minute 10:01 has connection 2
            assertThat(q(ch,
                    "SELECT toString(minute), connections, failures, rejects, bytes_out, distinct_destinations, events"
                            + " FROM " + db + ".rollup_1m FINAL WHERE dimension = 'user' AND key = '" + run
                            + "-u2' ORDER BY minute")).isEqualTo(String.join("\n",
                    "2026-11-22 10:00:00\t2\t1\t1\t3000\t3\t5",
                    "2026-11-22 10:01:00\t1\t0\t0\t3000\t1\t2"));
        }
    }
}
