package io.zerotrust.jobs.analytics;

import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.T0;
import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.produce;
import static io.zerotrust.jobs.analytics.AnalyticsSinkITCase.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import io.zerotrust.jobs.risk.TestEvents;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sink's rollup windows survive a restart on either state backend: a minute's row that closed before the job was
 * stopped (with a savepoint in the backend's own format, as its checkpoints are) is updated by a late event after
 * the restart with the totals of all its events, not only the late one's.
 */
@ExtendWith(PlatformExtension.class)
class RollupRestoreITCase {

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void aLateEventAfterARestartUpdatesItsMinuteWithEveryEventCounted(String backend, TestPlatform platform,
                                                                      @TempDir Path dir) throws Exception {
        String run = "rr" + UUID.randomUUID().toString().substring(0, 6);
        String db = "it_" + run;
        String user = run + "-u";
        String row = "SELECT events, connections, version FROM " + db + ".rollup_1m FINAL WHERE dimension = 'user'"
                + " AND key = '" + user + "' AND minute = toDateTime('2026-11-22 10:00:00', 'UTC')";
        Map<String, String> settings = Map.of(
                AnalyticsJob.KAFKA_BOOTSTRAP, platform.kafkaBootstrap(),
                AnalyticsJob.REGISTRY_URL, platform.registryUrl(),
                AnalyticsJob.CLICKHOUSE_URL, platform.clickhouseUrl(),
                AnalyticsJob.DATABASE, db,
                AnalyticsJob.GROUP_ID, "it-" + run,
                AnalyticsJob.START, Long.toString(System.currentTimeMillis()),
                AnalyticsJob.CHECKPOINT_INTERVAL, "1000",
                AnalyticsJob.IDLENESS, "1000",
                AnalyticsJob.BATCH_INTERVAL, "200",
                AnalyticsJob.STATE_BACKEND, backend);
        try (Client ch = platform.clickhouse()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AnalyticsJob.build(env, AnalyticsJob.settings(settings));
            JobClient first = env.executeAsync(AnalyticsJob.STAGE + "-it-" + backend);
            String savepoint;
            try {
                // three connections in minute 10:00, then an event three minutes on that closes it
                produce(platform, List.of(
                        TestEvents.login(user, "laptop", "10.9.0.1", "svc0", T0 + 1_000),
                        TestEvents.login(user, "laptop", "10.9.0.1", "svc1", T0 + 2_000),
                        TestEvents.login(user, "laptop", "10.9.0.1", "svc2", T0 + 3_000),
                        TestEvents.login(run + "-tick", "laptop", "10.9.0.2", "svc0", T0 + 180_000)));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> q(ch, row).equals("3\t3\t3"));
            } finally {
                savepoint = first.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.NATIVE).get();
            }

            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            StreamExecutionEnvironment resumed = StreamExecutionEnvironment.getExecutionEnvironment(restore);
            // a job that did not restore would start reading here, after the first events: only the restored
            // window knows them
            Map<String, String> later = new HashMap<>(settings);
            later.put(AnalyticsJob.START, Long.toString(System.currentTimeMillis()));
            AnalyticsJob.build(resumed, AnalyticsJob.settings(later));
            JobClient second = resumed.executeAsync(AnalyticsJob.STAGE + "-it-" + backend + "-resumed");
            try {
                // late by three minutes, well within the allowed ten: the restored window counts it with the others
                // once event time has passed the minute again (a job's watermark starts afresh after a restart)
                produce(platform, List.of(TestEvents.login(user, "laptop", "10.9.0.1", "svc3", T0 + 4_000),
                        TestEvents.login(run + "-tick", "laptop", "10.9.0.2", "svc0", T0 + 181_000)));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .untilAsserted(() -> assertThat(q(ch, row)).as("minute 10:00 after the restart")
                                .isEqualTo("4\t4\t4"));
            } finally {
                second.cancel().get();
            }
        }
    }

    @Test
    void anUnknownStateBackendIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> AnalyticsJob.settings(Map.of(AnalyticsJob.STATE_BACKEND, "memory")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(AnalyticsJob.STATE_BACKEND)
                .hasMessageContaining("rocksdb, hashmap")
                .hasMessageContaining("memory");
    }
}
