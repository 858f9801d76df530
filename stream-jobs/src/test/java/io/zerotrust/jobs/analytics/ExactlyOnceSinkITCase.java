package io.zerotrust.jobs.analytics;

import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.T0;
import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.produce;
import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.risk.TestEvents;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code analytics.clickhouse.delivery=exactly-once}, a batch that a restored job commits again is not written
 * twice. The savepoint of a stop holds the batches it then commits; a job restored from it commits them once more
 * (Flink cannot know they were), and the sink's look-up by {@code sink_batch} finds them there: every event is one
 * row, counted without FINAL.
 */
@ExtendWith(PlatformExtension.class)
class ExactlyOnceSinkITCase {

    @Test
    void aBatchCommittedAgainAfterARestoreIsNotWrittenTwice(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String run = "eo" + UUID.randomUUID().toString().substring(0, 6);
        String db = "it_" + run;
        String user = run + "-u";
        Map<String, String> settings = new HashMap<>(Map.of(
                AnalyticsJob.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                AnalyticsJob.REGISTRY_URL, platform.registryUrl(),
                AnalyticsJob.CLICKHOUSE_URL, platform.clickhouseUrl(),
                AnalyticsJob.DATABASE, db,
                AnalyticsJob.GROUP_ID, "it-" + run,
                AnalyticsJob.START, Long.toString(System.currentTimeMillis()),
                // no checkpoint but the savepoint: its batches are the ones committed twice
                AnalyticsJob.CHECKPOINT_INTERVAL, "3600000",
                AnalyticsJob.DELIVERY, "exactly-once"));
        String rows = "SELECT count(), uniqExact(event_id) FROM " + db + ".conn_events WHERE user = '" + user + "'";
        List<ConnectionEvent> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(TestEvents.login(user, "laptop", "10.9.1." + (1 + i % 4), "svc" + i % 3, T0 + i * 1_000L));
        }
        try (Client ch = platform.clickhouse()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AnalyticsJob.build(env, AnalyticsJob.settings(settings));
            JobClient first = env.executeAsync(AnalyticsJob.STAGE + "-eo");
            String savepoint;
            try {
                produce(platform, events);
                Thread.sleep(5_000); // read, held in the writer: nothing is inserted before a checkpoint completes
                assertThat(q(ch, rows)).as("rows before any checkpoint completed").isEqualTo("0\t0");
            } finally {
                savepoint = first.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.NATIVE).get();
            }
            String committed = q(ch, rows);
            assertThat(committed).as("the savepoint's batches, committed when it completed").isNotEqualTo("0\t0");

            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            StreamExecutionEnvironment resumed = StreamExecutionEnvironment.getExecutionEnvironment(restore);
            settings.put(AnalyticsJob.CHECKPOINT_INTERVAL, "1000");
            AnalyticsJob.build(resumed, AnalyticsJob.settings(settings));
            JobClient second = resumed.executeAsync(AnalyticsJob.STAGE + "-eo-resumed");
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> q(ch, rows).endsWith("\t40"));
                Thread.sleep(3_000); // a few more checkpoints: a late second copy would show
                String after = q(ch, rows);
                System.out.printf("exactly-once sink: %s rows/events after the savepoint, %s after the restore%n",
                        committed, after);
                assertThat(after).as("rows and distinct events without FINAL").isEqualTo("40\t40");
            } finally {
                second.cancel().get();
            }
        }
    }
}
